import { randomBytes } from 'node:crypto';
import { createAuth } from './auth.js';
import type { DatabaseHandle } from './db/index.js';
import { openTestDatabase } from './db/testing.js';
import { createLogger } from './logger.js';
import type { ChatAgent } from './routes/chat-agent.js';
import { createApp } from './server.js';

export const TEST_SECRET = 'test-secret-test-secret-test-secret-0123';

/** An agent that answers without a model or tools, for tests of the HTTP layer alone. */
export function echoAgent(): ChatAgent & { calls: Parameters<ChatAgent['run']>[0][] } {
  const calls: Parameters<ChatAgent['run']>[0][] = [];
  return {
    calls,
    async run(input) {
      calls.push(input);
      return { response: `echo: ${input.message}`, toolCalls: [] };
    },
    close() {},
  };
}

export interface TestUser {
  id: string;
  token: string;
  email: string;
  /** Headers that authenticate as this user. */
  headers: Record<string, string>;
}

export type TestApp = Awaited<ReturnType<typeof openTestApp>>;

/** A fresh database and an app on it; `signUp` creates a user and returns its bearer token. */
export async function openTestApp(options: { agent?: ChatAgent; db?: DatabaseHandle } = {}) {
  const handle = options.db ?? (await openTestDatabase());
  const agent = options.agent ?? echoAgent();
  const logger = createLogger('silent');
  const auth = createAuth({ db: handle.db, secret: TEST_SECRET, baseURL: 'http://localhost:3000', signInPerMinute: 1000, logger });
  const app = createApp({ db: handle, auth, agent, logger });

  async function signUp(name = 'Test'): Promise<TestUser> {
    const email = `${name.toLowerCase()}-${randomBytes(4).toString('hex')}@example.test`;
    const res = await app.request('/api/auth/sign-up/email', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'correct-horse-battery', name }),
    });
    if (res.status !== 200) throw new Error(`sign-up failed: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { token: string; user: { id: string } };
    const token = res.headers.get('set-auth-token') ?? body.token;
    return { id: body.user.id, token, email, headers: { authorization: `Bearer ${token}` } };
  }

  async function call(user: TestUser | null, method: string, path: string, body?: unknown) {
    const headers: Record<string, string> = { ...(user?.headers ?? {}) };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await app.request(path, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: res.status, body: json, headers: res.headers };
  }

  return { app, handle, auth, agent, signUp, call, close: () => handle.close() };
}
