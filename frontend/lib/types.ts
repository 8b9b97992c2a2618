export type Task = {
  id: number;
  title: string;
  description: string | null;
  completed: boolean;
  createdAt: string | null;
};

export type TaskFilter = 'all' | 'pending' | 'completed';

export type ToolCall = { name: string; arguments: unknown; result: unknown; error: string | null };

export type ChatMessage = {
  role: 'user' | 'assistant';
  content: string;
  toolCalls: ToolCall[];
};

export type ConversationSummary = {
  id: number;
  updatedAt: string | null;
  preview: string | null;
};

export type SessionUser = { id: string; email: string; name: string };
