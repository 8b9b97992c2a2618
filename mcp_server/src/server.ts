import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import { registerTools, type ToolDeps } from './tools/index.js';

export type ServerDeps = ToolDeps;

// A server is built per request (stateless transport); building Ajv each time was most of a call's cost.
const jsonSchemaValidator = new AjvJsonSchemaValidator();

export function createServer(deps: ServerDeps): McpServer {
  const server = new McpServer(
    { name: 'todo-mcp-server', version: '0.1.0' },
    {
      capabilities: { tools: {} },
      jsonSchemaValidator,
      instructions:
        "Todo list tools. Every tool acts on the tasks of the user named by user_id and never touches anyone else's.",
    },
  );
  registerTools(server, deps);
  return server;
}
