// What the chat API needs from the agent; the agent module provides it.

export interface ToolCall {
  name: string;
  arguments: Record<string, unknown>;
  result?: unknown;
  error?: string;
}

export interface ChatTurn {
  response: string;
  toolCalls: ToolCall[];
}

export interface ChatAgent {
  run(input: {
    userId: string;
    history: { role: 'user' | 'assistant'; content: string }[];
    message: string;
  }): Promise<ChatTurn>;
  close(): Promise<void> | void;
}
