import { randomUUID } from 'node:crypto';
import { Usage, type AgentInputItem, type Model, type ModelRequest, type ModelResponse } from '@openai/agents';
import { findTasks, parseIntent, type Candidate, type Intent, type TaskRef } from './intent.js';

type StreamEvent = Awaited<ReturnType<Model['getStreamedResponse']> extends AsyncIterable<infer E> ? E : never>;
type OutputItem = ModelResponse['output'][number];

/** A tool call this turn and what came back: the parsed JSON result, or the error text. */
interface Step {
  name: string;
  args: Record<string, unknown>;
  ok: boolean;
  value: unknown;
  error: string;
}

type Decision = { call: string; args: Record<string, unknown> } | { say: string };

export const helpText =
  "I can manage your todo list. Try: 'add buy milk', 'what's left?', 'show completed tasks', " +
  "'mark buy milk as done', 'complete task 3', 'rename task 2 to call mom', or 'delete task 3'.";

/**
 * The deterministic offline model. It reads the last user message, looks at the tool results the agent loop
 * has fed back so far this turn, and answers with the next tool call or the final reply, exactly as a remote
 * model would, so the offline mode exercises the same loop and the same MCP calls.
 */
export class LocalModel implements Model {
  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    const items: AgentInputItem[] =
      typeof request.input === 'string' ? [{ role: 'user', content: request.input }] : request.input;
    const { message, steps } = currentTurn(items);
    const decision = decide(parseIntent(message), steps);
    const output: OutputItem[] =
      'call' in decision
        ? [
            {
              type: 'function_call',
              callId: `call_${randomUUID()}`,
              name: decision.call,
              arguments: JSON.stringify(decision.args),
              status: 'completed',
            },
          ]
        : [
            {
              type: 'message',
              role: 'assistant',
              status: 'completed',
              content: [{ type: 'output_text', text: decision.say }],
            },
          ];
    return { usage: new Usage(), output, responseId: `local_${randomUUID()}` };
  }

  async *getStreamedResponse(request: ModelRequest): AsyncIterable<StreamEvent> {
    const response = await this.getResponse(request);
    yield {
      type: 'response_done',
      response: {
        id: response.responseId ?? `local_${randomUUID()}`,
        usage: { requests: 1, inputTokens: 0, outputTokens: 0, totalTokens: 0 },
        output: response.output,
      },
    } as StreamEvent;
  }
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part) => (part && typeof part === 'object' && 'text' in part ? String(part.text) : '')).join('');
  }
  if (content && typeof content === 'object' && 'text' in content) return String(content.text);
  return '';
}

/** The last user message and the tool calls made (with their results) after it. */
function currentTurn(items: AgentInputItem[]): { message: string; steps: Step[] } {
  let start = -1;
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i] as { role?: string };
    if (item.role === 'user') {
      start = i;
      break;
    }
  }
  const message = start >= 0 ? textOf((items[start] as { content: unknown }).content) : '';
  const calls = new Map<string, { name: string; args: Record<string, unknown> }>();
  const steps: Step[] = [];
  for (const raw of items.slice(start + 1)) {
    const item = raw as { type?: string; callId?: string; name?: string; arguments?: string; output?: unknown };
    if (item.type === 'function_call' && item.callId && item.name) {
      calls.set(item.callId, { name: item.name, args: safeJson(item.arguments) as Record<string, unknown> });
    } else if (item.type === 'function_call_result' && item.callId) {
      const call = calls.get(item.callId);
      const text = textOf(item.output);
      const error = text.startsWith('Error: ') ? text.slice('Error: '.length) : '';
      steps.push({
        name: call?.name ?? item.name ?? '',
        args: call?.args ?? {},
        ok: !error,
        value: error ? undefined : safeJson(text),
        error,
      });
    }
  }
  return { message, steps };
}

function safeJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    return undefined;
  }
}

const quote = (title: string) => `'${title}'`;

function decide(intent: Intent, steps: Step[]): Decision {
  const last = steps.at(-1);
  switch (intent.kind) {
    case 'greet':
      return { say: `Hi! ${helpText}` };
    case 'unknown':
      return { say: `Sorry, I didn't understand that. ${helpText}` };
    case 'add': {
      if (!last) return { call: 'add_task', args: { title: intent.title } };
      if (!last.ok) return { say: `I couldn't add that task: ${explain(last.error)}.` };
      const added = last.value as { task_id: number; title: string };
      return { say: `Added ${quote(added.title)} (task ${added.task_id}).` };
    }
    case 'list': {
      if (!last) return { call: 'list_tasks', args: { status: intent.status } };
      if (!last.ok) return { say: `I couldn't read your tasks: ${last.error}` };
      return { say: describeList(intent.status, (last.value ?? []) as Candidate[]) };
    }
    case 'complete':
      return act(intent.ref, steps, {
        tool: 'complete_task',
        prefer: (t) => !t.completed,
        before: (t) => (t.completed ? `${quote(t.title)} (task ${t.id}) is already done.` : undefined),
        done: (r) => `Marked ${quote(r.title)} (task ${r.task_id}) as done.`,
      });
    case 'delete':
      return act(intent.ref, steps, {
        tool: 'delete_task',
        done: (r) => `Deleted ${quote(r.title)} (task ${r.task_id}).`,
      });
    case 'rename':
      return act(intent.ref, steps, {
        tool: 'update_task',
        args: { title: intent.title },
        done: (r) => `Renamed task ${r.task_id} to ${quote(r.title)}.`,
      });
  }
}

interface Action {
  tool: string;
  args?: Record<string, unknown>;
  /** Which tasks a title most likely means when several match (e.g. pending ones for "done"). */
  prefer?: (task: Candidate) => boolean;
  /** A reply that makes the call unnecessary. */
  before?: (task: Candidate) => string | undefined;
  done: (result: { task_id: number; title: string }) => string;
}

/** An action on one task: by id straight away; by title, after list_tasks has resolved the title to an id. */
function act(ref: TaskRef, steps: Step[], action: Action): Decision {
  const acted = steps.find((s) => s.name === action.tool);
  if (acted) {
    if (acted.ok) return { say: action.done(acted.value as { task_id: number; title: string }) };
    const missing = acted.error.match(/^Task (\d+) not found/);
    if (missing) return { say: `I couldn't find task ${missing[1]}.` };
    // An id no task can have (beyond the integer range) is as missing as any other.
    if ('id' in ref && /\btask_id\b/.test(acted.error)) return { say: `I couldn't find task ${ref.id}.` };
    return { say: `I couldn't do that: ${explain(acted.error)}.` };
  }
  if ('id' in ref) return { call: action.tool, args: { task_id: ref.id, ...action.args } };

  const listed = steps.find((s) => s.name === 'list_tasks');
  if (!listed) return { call: 'list_tasks', args: { status: 'all' } };
  if (!listed.ok) return { say: `I couldn't read your tasks: ${listed.error}` };
  const matches = findTasks(ref.title, (listed.value ?? []) as Candidate[], action.prefer);
  if (matches.length === 0) {
    return { say: `I couldn't find a task matching ${quote(ref.title)}. Say 'show my tasks' to see them.` };
  }
  if (matches.length > 1) {
    const options = matches.slice(0, 5).map((t) => `${quote(t.title)} (task ${t.id})`);
    const last = options.pop();
    return { say: `Which one do you mean: ${options.join(', ')} or ${last}? You can say the task number.` };
  }
  const task = matches[0]!;
  const early = action.before?.(task);
  if (early) return { say: early };
  return { call: action.tool, args: { task_id: task.id, ...action.args } };
}

/** A tool's validation error in words a person can act on. */
function explain(error: string): string {
  const detail = error.match(/Invalid arguments for tool \w+: (.*)$/s)?.[1];
  if (detail === undefined) return error.replace(/[.\s]+$/, '');
  if (/\btitle\b/.test(detail)) return 'a title must be 1 to 200 characters of plain text';
  if (/\bdescription\b/.test(detail)) return 'a description can be up to 1000 characters of plain text';
  return detail.replace(/[.\s]+$/, '');
}

function describeList(status: 'all' | 'pending' | 'completed', tasks: Candidate[]): string {
  if (tasks.length === 0) {
    if (status === 'pending') return 'You have nothing left to do.';
    if (status === 'completed') return "You haven't completed any tasks yet.";
    return "Your list is empty. Try 'add buy milk'.";
  }
  const count = `${tasks.length} ${tasks.length === 1 ? 'task' : 'tasks'}`;
  const heading =
    status === 'pending'
      ? `You have ${tasks.length} pending ${tasks.length === 1 ? 'task' : 'tasks'}:`
      : status === 'completed'
        ? `You have completed ${count}:`
        : `You have ${count}:`;
  const lines = tasks.map(
    (t) => `- ${t.title} (task ${t.id}${status === 'all' && t.completed ? ', done' : ''})`,
  );
  return [heading, ...lines].join('\n');
}
