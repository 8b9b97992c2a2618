import * as z from 'zod';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Database } from '@todo/backend/db';
import type { Logger } from 'pino';

export interface ToolDeps {
  db: Database;
  log: Logger;
}

// Field schemas shared by the tools, so every tool describes and bounds the same field the same way.
export const userId = z
  .string()
  .min(1)
  .max(255)
  .describe('Id of the user whose tasks the tool acts on; the caller supplies it from the authenticated request');

// Postgres text cannot hold NUL, so it is refused here rather than failing inside the query.
const noNul = /^[^\u0000]*$/;

export const title = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(noNul, 'must not contain NUL characters')
  .describe('Short title of the task, 1 to 200 characters');

export const description = z
  .string()
  .max(1000)
  .regex(noNul, 'must not contain NUL characters')
  .describe('Optional longer note about the task, up to 1000 characters');

export const taskId = z.int().min(1).describe('Integer id of the task, as returned by add_task or list_tasks');

export const taskResult = {
  task_id: z.int().describe('Id of the task acted on'),
  title: z.string().describe('Title of the task after the change'),
};

export function success<T extends Record<string, unknown>>(structured: T, text: unknown = structured): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(text) }], structuredContent: structured };
}

export function toolError(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

export function notFound(id: number): CallToolResult {
  return toolError(`Task ${id} not found`);
}

/** Runs a tool body; a database failure becomes a tool error without the SQL behind it, which goes to the log. */
export async function guarded(
  deps: ToolDeps,
  tool: string,
  body: () => Promise<CallToolResult>,
): Promise<CallToolResult> {
  try {
    return await body();
  } catch (error) {
    if (pgCode(error) === '23503') return toolError('Unknown user');
    deps.log.error({ err: error, tool }, 'tool failed');
    return toolError(`${tool} failed; try again later`);
  }
}

/** The SQLSTATE of a failed query, looking through the wrappers drizzle puts around driver errors. */
function pgCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}
