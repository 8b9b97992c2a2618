import { parseProblem } from './parse';

// Browser-side calls: always same-origin paths, which this app's server forwards to the backend.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field: string | null,
    readonly code: string | null = null,
    readonly body: unknown = null,
  ) {
    super(message);
  }
}

function fallbackMessage(status: number): string {
  if (status === 502 || status === 503 || status === 504) return 'The service is unreachable right now. Try again in a moment.';
  if (status === 404) return 'That item no longer exists.';
  if (status >= 500) return 'Something went wrong on our side. Try again.';
  return 'The request was not accepted.';
}

export async function api<T = unknown>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: init.method ?? 'GET',
      headers: init.body === undefined ? undefined : { 'content-type': 'application/json' },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, 'No connection. Check your network and try again.', null);
  }
  const body: unknown = response.status === 204 ? null : await response.json().catch(() => null);
  if (response.status === 401) {
    // The session ended (expired or signed out elsewhere): start over at sign-in and say why.
    window.location.assign('/sign-in?expired=1');
    throw new ApiError(401, 'Your session has expired. Please sign in again.', null);
  }
  if (!response.ok) {
    const problem = parseProblem(body, fallbackMessage(response.status));
    const message = response.status >= 500 ? fallbackMessage(response.status) : problem.message;
    throw new ApiError(response.status, message, problem.field, problem.code, body);
  }
  return body as T;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : 'Something went wrong. Try again.';
}
