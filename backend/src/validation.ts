import type { Context } from 'hono';
import { z } from 'zod';
import { MAX_ROW_ID } from './db/schema.js';
import { ApiError, invalid } from './errors.js';

export const MAX_ID = MAX_ROW_ID;
export const LIMITS = { title: 200, description: 2000, message: 4000 } as const;

// PostgreSQL text cannot hold NUL; rejecting it here keeps it a 400 instead of a driver error.
const text = (field: string, max: number) =>
  z
    .string({ error: `${field} must be a string` })
    .max(max, { error: `${field} must be at most ${max} characters` })
    .refine((s) => !s.includes('\u0000'), { error: `${field} must not contain NUL characters` });

const title = text('title', LIMITS.title)
  .transform((s) => s.trim())
  .refine((s) => s.length > 0, { error: 'title must not be empty' });
const description = text('description', LIMITS.description).nullable();

export const createTaskBody = z.object({ title, description: description.optional() });

export const updateTaskBody = z
  .object({
    title: title.optional(),
    description: description.optional(),
    completed: z.boolean({ error: 'completed must be true or false' }).optional(),
  })
  .refine((b) => b.title !== undefined || b.description !== undefined || b.completed !== undefined, {
    error: 'give at least one of title, description, completed',
    path: ['title'],
  });

export const chatBody = z.object({
  conversation_id: z
    .int({ error: 'conversation_id must be a positive integer' })
    .min(1, { error: 'conversation_id must be a positive integer' })
    .max(MAX_ID, { error: 'conversation_id is out of range' })
    .nullish(),
  message: text('message', LIMITS.message)
    .transform((s) => s.trim())
    .refine((s) => s.length > 0, { error: 'message must not be empty' }),
});

export const statusQuery = z.enum(['all', 'pending', 'completed'], {
  error: 'status must be one of all, pending, completed',
});

/** A path id: a positive int4, written plainly (no sign, no leading zeros, no exponent). */
export function parseId(raw: string | undefined, field = 'id'): number {
  if (raw === undefined || !/^[1-9][0-9]{0,9}$/.test(raw) || Number(raw) > MAX_ID) {
    throw invalid(field, `${field} must be a positive integer up to ${MAX_ID}`);
  }
  return Number(raw);
}

/** `field` names a scalar input (a query parameter); object inputs name the failing property themselves. */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown, field = 'body'): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const name = issue.path.length ? issue.path.map(String).join('.') : field;
  const message = issue.code === 'invalid_type' && issue.input === undefined ? `${name} is required` : issue.message;
  throw invalid(name, message);
}

/** The request body as a JSON object, or a 400 that says what is wrong with it. */
export async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    throw new ApiError(400, 'invalid_json', 'the body is not valid JSON', { field: 'body' });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('body', 'the body must be a JSON object');
  }
  return body as Record<string, unknown>;
}
