import * as z from 'zod';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { updateTask } from '@todo/backend/db';
import {
  description,
  guarded,
  notFound,
  success,
  taskId,
  taskResult,
  title,
  toolError,
  userId,
  type ToolDeps,
} from './shared.js';

export const updateTaskInput = z.object({
  user_id: userId,
  task_id: taskId,
  title: title.optional().describe('New title, 1 to 200 characters; omit to keep the current one'),
  description: description.optional().describe('New description, up to 1000 characters; omit to keep it'),
});

export const updateTaskOutput = z.object({ ...taskResult, status: z.literal('updated') });

export function registerUpdateTask(server: McpServer, deps: ToolDeps): void {
  server.registerTool(
    'update_task',
    {
      title: 'Update task',
      description: "Change a task's title and/or description.",
      inputSchema: updateTaskInput,
      outputSchema: updateTaskOutput,
      // Overwrites the previous title or description, which cannot be recovered.
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    (input) =>
      guarded(deps, 'update_task', async () => {
        if (input.title === undefined && input.description === undefined) {
          return toolError('Nothing to update: give a new title or description');
        }
        const row = await updateTask(deps.db, input.user_id, input.task_id, {
          title: input.title,
          description: input.description,
        });
        if (!row) return notFound(input.task_id);
        return success({ task_id: row.id, status: 'updated', title: row.title } satisfies z.infer<
          typeof updateTaskOutput
        >);
      }),
  );
}
