import * as z from 'zod';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { createTask } from '@todo/backend/db';
import { description, guarded, success, taskResult, title, userId, type ToolDeps } from './shared.js';

export const addTaskInput = z.object({ user_id: userId, title, description: description.optional() });

export const addTaskOutput = z.object({ ...taskResult, status: z.literal('created') });

export function registerAddTask(server: McpServer, deps: ToolDeps): void {
  server.registerTool(
    'add_task',
    {
      title: 'Add task',
      description: 'Create a new task for the user. Returns the new task id.',
      inputSchema: addTaskInput,
      outputSchema: addTaskOutput,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    (input) =>
      guarded(deps, 'add_task', async () => {
        const row = await createTask(deps.db, input.user_id, { title: input.title, description: input.description });
        return success({ task_id: row.id, status: 'created', title: row.title } satisfies z.infer<typeof addTaskOutput>);
      }),
  );
}
