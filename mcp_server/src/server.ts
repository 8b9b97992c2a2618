import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { registerTools, type ToolDeps } from './tools/index.js';

export type ServerDeps = ToolDeps;

export function createServer(deps: ServerDeps): McpServer {
  const server = new McpServer(
    { name: 'todo-mcp-server', version: '0.1.0' },
    {
      capabilities: { tools: {} },
      instructions:
        "Todo list tools. Every tool acts on the tasks of the user named by user_id and never touches anyone else's.",
    },
  );
  registerTools(server, deps);
  return server;
}
