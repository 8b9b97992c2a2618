import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { registerAddTask } from './add-task.js';
import { registerCompleteTask } from './complete-task.js';
import { registerDeleteTask } from './delete-task.js';
import { registerListTasks } from './list-tasks.js';
import { registerUpdateTask } from './update-task.js';
import type { ToolDeps } from './shared.js';

export type { ToolDeps } from './shared.js';

export function registerTools(server: McpServer, deps: ToolDeps): void {
  registerAddTask(server, deps);
  registerListTasks(server, deps);
  registerCompleteTask(server, deps);
  registerDeleteTask(server, deps);
  registerUpdateTask(server, deps);
}
