import * as z from 'zod';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { listTasks } from '@todo/backend/db';
import { guarded, success, userId, type ToolDeps } from './shared.js';

export const listTasksInput = z.object({
  user_id: userId,
  status: z
    .enum(['all', 'pending', 'completed'])
    .optional()
    .describe('Which tasks to list: all (default), pending (not done yet) or completed'),
});

const listedTask = z.object({
  id: z.int().describe('Task id'),
  title: z.string().describe('Task title'),
  completed: z.boolean().describe('Whether the task is done'),
});

// structuredContent must be an object, so the list is wrapped in `tasks`; the text content is the bare array.
export const listTasksOutput = z.object({ tasks: z.array(listedTask).describe('The tasks, oldest first') });

export function registerListTasks(server: McpServer, deps: ToolDeps): void {
  server.registerTool(
    'list_tasks',
    {
      title: 'List tasks',
      description: "List the user's tasks with their ids, optionally only pending or only completed ones.",
      inputSchema: listTasksInput,
      outputSchema: listTasksOutput,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    (input) =>
      guarded(deps, 'list_tasks', async () => {
        const rows = await listTasks(deps.db, input.user_id, input.status ?? 'all');
        const tasks = rows.map((row) => ({ id: row.id, title: row.title, completed: row.completed }));
        return success({ tasks }, tasks);
      }),
  );
}
