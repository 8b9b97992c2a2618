import { tool, type RunContext, type Tool } from '@openai/agents';
import type { Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import type { McpConnection } from './mcp-client.js';

/** One tool call made during a chat turn, as the chat API reports it. */
export interface ToolCallRecord {
  name: string;
  /** The arguments the tool received, including the user id injected from the authenticated request. */
  arguments: Record<string, unknown>;
  /** The tool's structured result (for list_tasks, the array of tasks) when it succeeded. */
  result?: unknown;
  /** The tool's error message when it failed ("Task 7 not found"). */
  error?: string;
}

/** The JSON keywords every OpenAI-compatible provider accepts in a function's parameters. */
const portableKeywords = new Set(['type', 'description', 'enum', 'minimum', 'maximum', 'minLength', 'maxLength', 'items']);

function portable(schema: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries((schema ?? {}) as Record<string, unknown>)) {
    if (!portableKeywords.has(key)) continue;
    // Number.MAX_SAFE_INTEGER bounds say nothing to a model and some providers reject them.
    if (key === 'maximum' && typeof value === 'number' && value > 2 ** 31) continue;
    out[key] = key === 'items' ? portable(value) : value;
  }
  return out;
}

/**
 * The model-facing schema: the MCP input schema without `user_id`, which the model can neither see nor set.
 */
export function modelParameters(inputSchema: McpTool['inputSchema']) {
  const properties: Record<string, Record<string, unknown>> = {};
  for (const [name, schema] of Object.entries(inputSchema.properties ?? {})) {
    if (name !== 'user_id') properties[name] = portable(schema);
  }
  const required = (inputSchema.required ?? []).filter((name) => name !== 'user_id');
  // Non-strict, so optional fields stay optional for every provider; unknown extra fields are dropped by the server.
  return { type: 'object' as const, properties, required, additionalProperties: true as const };
}

/** What a chat turn hands its tools through the run context: whose tasks, and where to record the calls. */
export interface TurnContext {
  userId: string;
  toolCalls: ToolCallRecord[];
}

/**
 * Wraps each MCP tool as a function tool that acts for the user of the turn it runs in (the run context).
 * Whatever the model sends, `user_id` is replaced by that user's id before the call, so the model cannot act on
 * anyone else's tasks. Tool failures become text the model reads ("Error: Task 7 not found"), never exceptions
 * that end the turn. The tools hold no per-turn state, so one set serves every turn.
 */
export function userScopedTools(mcpTools: McpTool[], mcp: McpConnection): Tool<TurnContext>[] {
  return mcpTools.map((mcpTool) =>
    tool<ReturnType<typeof modelParameters>, TurnContext>({
      name: mcpTool.name,
      description: mcpTool.description ?? mcpTool.name,
      parameters: modelParameters(mcpTool.inputSchema),
      strict: false,
      execute: async (input: unknown, runContext?: RunContext<TurnContext>) => {
        const turn = runContext?.context;
        // Without a turn there is no user to act for; refuse rather than call the tool for nobody.
        if (!turn?.userId) throw new Error(`${mcpTool.name} called outside a chat turn`);
        const fromModel = input && typeof input === 'object' && !Array.isArray(input) ? { ...input } : {};
        delete (fromModel as Record<string, unknown>).user_id;
        const args: Record<string, unknown> = { ...fromModel, user_id: turn.userId };
        const entry: ToolCallRecord = { name: mcpTool.name, arguments: args };
        turn.toolCalls.push(entry);
        try {
          const result = await mcp.callTool(mcpTool.name, args);
          const text = result.content
            .map((c) => (c.type === 'text' ? c.text : ''))
            .join('\n')
            .trim();
          if (result.isError) {
            entry.error = text || 'The tool failed';
            return `Error: ${entry.error}`;
          }
          const structured = result.structuredContent;
          entry.result =
            mcpTool.name === 'list_tasks' && structured && Array.isArray(structured.tasks) ? structured.tasks : structured;
          return text || JSON.stringify(entry.result ?? null);
        } catch (error) {
          entry.error = error instanceof Error ? error.message : String(error);
          return `Error: the ${mcpTool.name} tool could not be reached (${entry.error})`;
        }
      },
    }),
  );
}
