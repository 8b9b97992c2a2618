import type { ChatMessage, ConversationSummary, Task, ToolCall } from './types';

// The backend speaks snake_case per the API contract; these readers also accept camelCase and wrapped lists so
// a harmless serializer change on the other side doesn't blank the screen.

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function listIn(body: unknown, key: string): unknown[] {
  if (Array.isArray(body)) return body;
  if (isObject(body) && Array.isArray(body[key])) return body[key] as unknown[];
  return [];
}

export function parseTask(value: unknown): Task | null {
  if (!isObject(value) || typeof value['id'] !== 'number' || typeof value['title'] !== 'string') return null;
  return {
    id: value['id'],
    title: value['title'],
    description: str(value['description']),
    completed: value['completed'] === true,
    createdAt: str(value['created_at']) ?? str(value['createdAt']),
  };
}

export function parseTasks(body: unknown): Task[] {
  return listIn(body, 'tasks')
    .map(parseTask)
    .filter((task): task is Task => task !== null);
}

export function parseToolCalls(value: unknown): ToolCall[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isObject).map((call) => ({
    name: str(call['name']) ?? str(call['tool']) ?? 'tool',
    arguments: call['arguments'] ?? call['args'] ?? null,
    result: call['result'] ?? call['output'] ?? null,
    error: str(call['error']),
  }));
}

export function parseMessages(body: unknown): ChatMessage[] {
  return listIn(body, 'messages')
    .filter(isObject)
    .filter((m) => m['role'] === 'user' || m['role'] === 'assistant')
    .map((m) => ({
      role: m['role'] as 'user' | 'assistant',
      content: str(m['content']) ?? '',
      toolCalls: parseToolCalls(m['tool_calls'] ?? m['toolCalls']),
    }));
}

export function parseConversations(body: unknown): ConversationSummary[] {
  return listIn(body, 'conversations')
    .filter(isObject)
    .filter((c) => typeof c['id'] === 'number')
    .map((c) => ({
      id: c['id'] as number,
      updatedAt: str(c['updated_at']) ?? str(c['updatedAt']) ?? str(c['created_at']) ?? str(c['createdAt']),
      preview:
        str(c['title']) ??
        str(c['preview']) ??
        str(c['last_message']) ??
        str(c['lastMessage']) ??
        str(c['first_message']) ??
        null,
    }));
}

export type ApiProblem = { message: string; field: string | null; code: string | null };

// Reads whatever error body came back (our proxy's {error}, the API's {error: code, message, field}, Better Auth's
// {message, code}) into one message and, for validation errors, the field to point at.
export function parseProblem(body: unknown, fallback: string): ApiProblem {
  if (!isObject(body)) return { message: fallback, field: null, code: null };
  const error = body['error'];
  const nested = isObject(error) ? error : null;
  // `message` is the human text; a bare `error` is either a code (API) or the text itself (this app's proxy).
  const message = str(body['message']) ?? str(nested?.['message']) ?? str(error) ?? fallback;
  let field = str(body['field']) ?? str(nested?.['field']);
  const issues = body['issues'] ?? nested?.['issues'];
  if (!field && Array.isArray(issues) && isObject(issues[0]) && Array.isArray(issues[0]['path'])) {
    field = issues[0]['path'].map(String).join('.') || null;
  }
  const bare = str(error);
  const code = str(body['code']) ?? (bare && /^[a-z_]+$/.test(bare) ? bare : null);
  return { message, field, code };
}
