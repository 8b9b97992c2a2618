import * as z from 'zod';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { deleteTask } from '@todo/backend/db';
import { guarded, notFound, success, taskId, taskResult, userId, type ToolDeps } from './shared.js';

export const deleteTaskInput = z.object({ user_id: userId, task_id: taskId });

export const deleteTaskOutput = z.object({ ...taskResult, status: z.literal('deleted') });

export function registerDeleteTask(server: McpServer, deps: ToolDeps): void {
  server.registerTool(
    'delete_task',
    {
      title: 'Delete task',
      description: 'Delete a task permanently.',
      inputSchema: deleteTaskInput,
      outputSchema: deleteTaskOutput,
      // A repeated call finds nothing to delete and reports it, so the end state is the same.
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    (input) =>
      guarded(deps, 'delete_task', async () => {
        const row = await deleteTask(deps.db, input.user_id, input.task_id);
        if (!row) return notFound(input.task_id);
        return success({ task_id: row.id, status: 'deleted', title: row.title } satisfies z.infer<
          typeof deleteTaskOutput
        >);
      }),
  );
}
