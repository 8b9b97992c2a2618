import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from './logger.js';

export type ErrorCode =
  | 'invalid_request'
  | 'invalid_json'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'assistant_failed'
  | 'not_ready'
  | 'internal';

/** An error whose code and message are meant for the client. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const invalid = (field: string, message: string) => new ApiError(400, 'invalid_request', message, { field });
export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);

/**
 * The handler for every other method on a path, registered after the path's own handlers: 405 naming the methods
 * that path has, in `Allow` as HTTP asks and in the message.
 */
export function methodNotAllowed(...allowed: string[]) {
  return (c: Context): Response => {
    c.header('Allow', allowed.join(', '));
    return c.json(
      { error: 'method_not_allowed' satisfies ErrorCode, message: `${c.req.method} is not allowed here; use ${allowed.join(' or ')}` },
      405,
    );
  };
}

/** The one error handler: client errors go back as they are; anything else is logged and answered without detail. */
export function handleError(err: Error, c: Context): Response {
  const requestId = c.get('requestId') as string | undefined;
  if (err instanceof ApiError) {
    return c.json({ error: err.code, message: err.message, ...err.extra }, err.status);
  }
  if (err instanceof HTTPException && err.status < 500) {
    const code: ErrorCode = err.status === 413 ? 'payload_too_large' : 'invalid_request';
    return c.json({ error: code, message: err.message || 'bad request' }, err.status);
  }
  const log = (c.get('log') as Logger | undefined) ?? undefined;
  log?.error({ err, requestId }, 'request failed');
  return c.json({ error: 'internal', message: 'internal error', request_id: requestId }, 500);
}
