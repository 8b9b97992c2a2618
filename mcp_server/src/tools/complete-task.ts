import * as z from 'zod';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { updateTask } from '@todo/backend/db';
import { guarded, notFound, success, taskId, taskResult, userId, type ToolDeps } from './shared.js';

export const completeTaskInput = z.object({ user_id: userId, task_id: taskId });

export const completeTaskOutput = z.object({ ...taskResult, status: z.literal('completed') });

export function registerCompleteTask(server: McpServer, deps: ToolDeps): void {
  server.registerTool(
    'complete_task',
    {
      title: 'Complete task',
      description: 'Mark a task as done. Completing a task that is already done leaves it done.',
      inputSchema: completeTaskInput,
      outputSchema: completeTaskOutput,
      // Sets completed = true rather than toggling, so a retried call changes nothing more.
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    (input) =>
      guarded(deps, 'complete_task', async () => {
        const row = await updateTask(deps.db, input.user_id, input.task_id, { completed: true });
        if (!row) return notFound(input.task_id);
        return success({ task_id: row.id, status: 'completed', title: row.title } satisfies z.infer<
          typeof completeTaskOutput
        >);
      }),
  );
}
