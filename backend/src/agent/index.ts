import {
  Agent,
  OpenAIChatCompletionsModel,
  RunContext,
  RunState,
  Runner,
  assistant,
  user,
  type AgentInputItem,
  type Model,
} from '@openai/agents';
import OpenAI from 'openai';
import { LocalModel } from './local-model.js';
import { McpConnection } from './mcp-client.js';
import { userScopedTools, type ToolCallRecord, type TurnContext } from './tools.js';
import type { Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';

export type { ToolCallRecord } from './tools.js';
export { helpText } from './local-model.js';

export interface ChatAgentOptions {
  /** The MCP endpoint, e.g. http://mcp-server:8001/mcp */
  mcpServerUrl: string;
  /** Bearer token the MCP server requires. */
  mcpToken: string;
  /** An OpenAI-compatible chat-completions endpoint; without an apiKey the built-in offline model answers. */
  openai?: { apiKey?: string; baseURL?: string; model?: string };
  /** Most model calls (and so tool rounds) in one chat turn. */
  maxTurns: number;
}

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
}

export interface ChatTurn {
  userId: string;
  /** Earlier messages of the conversation, oldest first. */
  history: ChatMessage[];
  message: string;
}

export interface ChatReply {
  response: string;
  toolCalls: ToolCallRecord[];
}

export interface ChatAgent {
  /** Which model answers: the offline model or the remote model's name. */
  readonly model: string;
  run(turn: ChatTurn): Promise<ChatReply>;
  close(): Promise<void>;
}

export const defaultModelName = 'gpt-4o-mini';

const instructions = [
  'You are a helpful assistant that manages the user\'s todo list through the tools you have.',
  'Use list_tasks to find task ids; never guess an id. Refer to tasks by title and id, like "buy milk (task 4)".',
  'After every action, confirm in one short sentence what you did.',
  'If a tool reports an error, explain it plainly (for example "I couldn\'t find task 7") and do not retry blindly.',
  'You can only add, list, complete, rename and delete tasks; say so when asked for anything else.',
].join('\n');

export function createChatAgent(options: ChatAgentOptions): ChatAgent {
  if (!Number.isInteger(options.maxTurns) || options.maxTurns < 1) {
    throw new Error('createChatAgent: maxTurns must be a positive integer');
  }
  const mcp = new McpConnection(options.mcpServerUrl, options.mcpToken);
  const remote = options.openai?.apiKey ? options.openai : undefined;
  const modelName = remote ? (remote.model ?? defaultModelName) : 'offline';
  const model: Model = remote
    ? new OpenAIChatCompletionsModel(
        new OpenAI({ apiKey: remote.apiKey, baseURL: remote.baseURL || undefined, maxRetries: 1, timeout: 60_000 }),
        modelName,
      )
    : new LocalModel();
  // Traces would go to OpenAI's dashboard with the key; this service keeps its conversations to itself.
  // A tool name the model made up is a mistake it can correct, like a tool error, not a failed turn.
  const runner = new Runner({
    tracingDisabled: true,
    traceIncludeSensitiveData: false,
    toolNotFoundBehavior: 'return_error_to_model',
  });

  // The agent (its tools and their schemas) depends only on the MCP tool list, which the connection caches; it is
  // built again only when that list is fetched again (after a reconnect). Each turn's user rides in the run context.
  let built: { source: McpTool[]; agent: Agent<TurnContext> } | undefined;
  const agentFor = (mcpTools: McpTool[]): Agent<TurnContext> => {
    if (built?.source !== mcpTools) {
      built = {
        source: mcpTools,
        agent: new Agent<TurnContext>({ name: 'Todo assistant', instructions, model, tools: userScopedTools(mcpTools, mcp) }),
      };
    }
    return built.agent;
  };

  return {
    model: modelName,

    async run({ userId, history, message }) {
      if (!userId) throw new Error('ChatAgent.run: userId is required');
      const toolCalls: ToolCallRecord[] = [];
      const agent = agentFor(await mcp.listTools());
      const input: AgentInputItem[] = [
        ...history.map((m) => (m.role === 'user' ? user(m.content) : assistant(m.content))),
        user(message),
      ];
      // The run starts from a RunState holding the turn's input. Given a plain list, the runner also tracks every
      // input item for SDK session persistence (clones and serialised keys of the whole history on each model
      // call); this service keeps history in its own database and uses no SDK session, and at 40 messages that
      // bookkeeping was a third of a turn's CPU. The model receives the same input either way.
      const state = new RunState<TurnContext, Agent<TurnContext>>(
        new RunContext<TurnContext>({ userId, toolCalls }),
        input,
        agent,
        options.maxTurns,
      );
      const result = await runner.run(agent, state, {
        maxTurns: options.maxTurns,
        errorHandlers: {
          // Out of rounds is an answer for the user, not a server error.
          maxTurns: () => ({
            finalOutput: `Sorry, I couldn't finish that within ${options.maxTurns} steps. Please try a simpler request.`,
            includeInHistory: false,
          }),
        },
      });
      const response = typeof result.finalOutput === 'string' ? result.finalOutput.trim() : '';
      return { response: response || 'Done.', toolCalls };
    },

    close: () => mcp.close(),
  };
}
