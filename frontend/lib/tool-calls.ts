import type { ToolCall } from './types';

type Json = Record<string, unknown>;

function asObject(value: unknown): Json | unknown[] | null {
  if (typeof value === 'string') {
    try {
      return asObject(JSON.parse(value));
    } catch {
      return null;
    }
  }
  return typeof value === 'object' && value !== null ? (value as Json | unknown[]) : null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

const VERBS: Record<string, string> = {
  add_task: 'added',
  complete_task: 'completed',
  delete_task: 'deleted',
  update_task: 'updated',
};

// Tools whose calls change the list, so the list must be reloaded after them.
export const MUTATING_TOOLS = new Set(Object.keys(VERBS));

// One human line per tool call, e.g. "added 'buy milk'", so the person sees what the assistant actually did.
export function describeToolCall(call: ToolCall): { text: string; failed: boolean } {
  const result = asObject(call.result);
  const args = asObject(call.arguments);
  const resultObj = result && !Array.isArray(result) ? result : null;
  const argsObj = args && !Array.isArray(args) ? args : null;
  const failure =
    call.error ??
    (typeof call.result === 'string' && !result ? call.result : null) ??
    text(resultObj?.['error']) ??
    (resultObj?.['isError'] === true ? 'failed' : null);
  if (failure) {
    const what = VERBS[call.name] ? call.name.replace('_', ' ') : call.name;
    return { text: `${what} failed: ${failure}`, failed: true };
  }
  if (call.name === 'list_tasks') {
    const count = Array.isArray(result) ? result.length : Array.isArray(resultObj?.['tasks']) ? (resultObj['tasks'] as unknown[]).length : null;
    const status = text(argsObj?.['status']);
    const kind = status && status !== 'all' ? `${status} ` : '';
    return { text: count === null ? `listed ${kind}tasks` : `listed ${count} ${kind}task${count === 1 ? '' : 's'}`, failed: false };
  }
  const verb = VERBS[call.name];
  if (!verb) return { text: `used ${call.name}`, failed: false };
  const title = text(resultObj?.['title']) ?? text(argsObj?.['title']);
  const id = resultObj?.['task_id'] ?? argsObj?.['task_id'];
  return { text: title ? `${verb} '${title}'` : `${verb} task ${String(id ?? '')}`.trim(), failed: false };
}
