import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuth } from './auth.js';
import { eq } from 'drizzle-orm';
import { openDatabase, session, type DatabaseHandle } from './db/index.js';
import { openTestDatabase } from './db/testing.js';
import { createLogger } from './logger.js';
import { createApp, startBackend, type RunningBackend } from './server.js';
import { echoAgent, openTestApp, TEST_SECRET, type TestApp } from './test-app.js';

describe('health, readiness and request ids', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp();
  });
  afterAll(() => t.close());

  it('answers /health and /ready when the database is migrated', async () => {
    expect(await t.call(null, 'GET', '/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await t.call(null, 'GET', '/ready')).toMatchObject({ status: 200, body: { status: 'ready' } });
  });

  it('reports not ready on an unmigrated or unreachable database', async () => {
    const empty = await openDatabase();
    const logger = createLogger('silent');
    const auth = createAuth({ db: empty.db, secret: TEST_SECRET, baseURL: 'http://localhost:3000' });
    const app = createApp({ db: empty, auth, agent: echoAgent(), logger });
    let res = await app.request('/ready');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ reason: 'database not migrated' });
    await empty.close();
    res = await app.request('/ready');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ reason: 'database unreachable' });
    expect((await app.request('/health')).status).toBe(200);
  });

  it('asks clients to drop keep-alive connections while draining', async () => {
    const logger = createLogger('silent');
    const auth = createAuth({ db: t.handle.db, secret: TEST_SECRET, baseURL: 'http://localhost:3000' });
    const app = createApp({ db: t.handle, auth, agent: echoAgent(), logger }, { draining: () => true });
    const ready = await app.request('/ready');
    expect(ready.status).toBe(503);
    expect(ready.headers.get('connection')).toBe('close');
    expect((await t.app.request('/health')).headers.get('connection')).toBeNull();
  });

  it('returns the caller’s X-Request-Id or a fresh one', async () => {
    const given = await t.app.request('/health', { headers: { 'x-request-id': 'trace-abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-abc-123');
    const fresh = await t.app.request('/health');
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('accepts a bare or signed bearer token, refuses a tampered, expired or signed-out one', async () => {
    const user = await t.signUp('Frank');
    const path = `/api/${user.id}/tasks`;
    const as = (authorization: string) => t.call({ ...user, headers: { authorization } }, 'GET', path);
    const signed = user.token;
    expect(signed).toContain('.');
    const bare = decodeURIComponent(signed).split('.')[0]!;
    expect((await as(`Bearer ${signed}`)).status).toBe(200);
    expect((await as(`Bearer ${bare}`)).status).toBe(200);
    expect((await as(`Bearer ${bare}.${'A'.repeat(43)}=`)).status).toBe(401);
    // One character changed: never the same one, or the "tampered" token would be the real one.
    const tampered = `${bare.slice(0, -1)}${bare.endsWith('x') ? 'y' : 'x'}`;
    expect((await as(`Bearer ${tampered}`)).status).toBe(401);
    expect((await as(`Basic ${bare}`)).status).toBe(401);
    expect((await t.call({ ...user, headers: { cookie: `better-auth.session_token=${bare}` } }, 'GET', path)).status).toBe(401);
    expect((await t.call({ ...user, headers: { cookie: `better-auth.session_token=${signed}` } }, 'GET', path)).status).toBe(200);

    // Due for the sliding refresh: still signed in, and Better Auth extends the session.
    const soon = new Date(Date.now() + 3600_000);
    await t.handle.db.update(session).set({ expiresAt: soon }).where(eq(session.token, bare));
    expect((await as(`Bearer ${bare}`)).status).toBe(200);
    const [refreshed] = await t.handle.db.select().from(session).where(eq(session.token, bare));
    expect(refreshed!.expiresAt.getTime()).toBeGreaterThan(soon.getTime() + 24 * 3600_000);

    await t.handle.db.update(session).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(session.token, bare));
    expect((await as(`Bearer ${bare}`)).status).toBe(401);

    const other = await t.signUp('Gina');
    const out = await t.app.request('/api/auth/sign-out', { method: 'POST', headers: other.headers });
    expect(out.status).toBe(200);
    expect((await t.call(other, 'GET', `/api/${other.id}/tasks`)).status).toBe(401);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await t.call(null, 'GET', '/nowhere');
    expect(res).toMatchObject({ status: 404, body: { error: 'not_found' } });
  });

  it('gives a bearer token on sign-in and answers get-session with it', async () => {
    const user = await t.signUp('Carol');
    const signIn = await t.app.request('/api/auth/sign-in/email', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: user.email, password: 'correct-horse-battery' }),
    });
    expect(signIn.status).toBe(200);
    const token = signIn.headers.get('set-auth-token');
    expect(token).toBeTruthy();
    const session = await t.call({ ...user, headers: { authorization: `Bearer ${token}` } }, 'GET', '/api/auth/get-session');
    expect(session.body.user.id).toBe(user.id);
    const wrong = await t.app.request('/api/auth/sign-in/email', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: user.email, password: 'not-the-password' }),
    });
    expect(wrong.status).toBe(401);
  });
});

const agentGate = {
  reached: undefined as Promise<void> | undefined,
  arrived: () => {},
  release: () => {},
};
const echo = echoAgent();
const gatedAgent = {
  async run(input: Parameters<typeof echo.run>[0]) {
    if (agentGate.reached) {
      const released = new Promise<void>((resolve) => (agentGate.release = resolve));
      agentGate.arrived();
      await released;
    }
    return echo.run(input);
  },
  close() {},
};

describe('cookie sessions through the frontend proxy, and shutdown', () => {
  let db: DatabaseHandle;
  let backend: RunningBackend;
  let proxy: Server;
  let proxyOrigin: string;

  beforeAll(async () => {
    db = await openTestDatabase();
    // The public origin is deliberately not the proxy's: the proxy's forwarded headers alone must make it trusted.
    backend = await startBackend({
      db,
      port: 0,
      host: '127.0.0.1',
      betterAuthSecret: TEST_SECRET,
      betterAuthUrl: 'http://todo.example.test',
      agent: gatedAgent,
      logger: createLogger('silent'),
    });
    proxy = createServer((req, res) => {
      const target = new URL(req.url!, backend.url);
      const headers = { ...req.headers, host: target.host, 'x-forwarded-host': req.headers.host, 'x-forwarded-proto': 'http' };
      const upstream = httpRequest(target, { method: req.method, headers }, (up) => {
        res.writeHead(up.statusCode!, up.headers);
        up.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyOrigin = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => proxy.close(resolve));
    await backend.close();
    await db.close();
  });

  const post = (path: string, body: unknown, headers: Record<string, string>) =>
    fetch(`${proxyOrigin}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('signs up and in with the browser’s origin and uses the cookie for the API', async () => {
    const email = `dana-${Date.now()}@example.test`;
    const up = await post('/api/auth/sign-up/email', { email, password: 'correct-horse-battery', name: 'Dana' }, { origin: proxyOrigin });
    expect(up.status).toBe(200);
    const userId = ((await up.json()) as { user: { id: string } }).user.id;

    const signIn = await post('/api/auth/sign-in/email', { email, password: 'correct-horse-battery' }, { origin: proxyOrigin });
    expect(signIn.status).toBe(200);
    const setCookie = signIn.headers.getSetCookie();
    expect(setCookie.join(';')).toMatch(/session_token=/);
    expect(setCookie.join(';')).toMatch(/HttpOnly/i);
    const cookie = setCookie.map((c) => c.split(';')[0]).join('; ');

    const created = await post(`/api/${userId}/tasks`, { title: 'via cookie' }, { origin: proxyOrigin, cookie });
    expect(created.status).toBe(201);
    const list = await fetch(`${proxyOrigin}/api/${userId}/tasks`, { headers: { cookie } });
    expect(((await list.json()) as { title: string }[]).map((x) => x.title)).toEqual(['via cookie']);

    // The same cookie from a foreign page: Better Auth refuses it, and so does the task API.
    const evil = 'http://evil.example.test';
    expect((await post('/api/auth/sign-in/email', { email, password: 'correct-horse-battery' }, { origin: evil, cookie })).status).toBe(403);
    const forged = await post(`/api/${userId}/tasks`, { title: 'forged' }, { origin: evil, cookie });
    expect(forged.status).toBe(403);
    const after = await fetch(`${proxyOrigin}/api/${userId}/tasks`, { headers: { cookie } });
    expect(((await after.json()) as unknown[]).length).toBe(1);
  });

  it('keeps answering during the drain, with Connection: close, then refuses', async () => {
    const draining = await startBackend({
      db,
      port: 0,
      host: '127.0.0.1',
      betterAuthSecret: TEST_SECRET,
      agent: echoAgent(),
      logger: createLogger('silent'),
      drainMs: 1500,
    });
    expect((await fetch(`${draining.url}/ready`)).status).toBe(200);
    const closing = draining.close();
    const during = await fetch(`${draining.url}/health`);
    expect(during.status).toBe(200);
    expect(during.headers.get('connection')).toBe('close');
    expect((await fetch(`${draining.url}/ready`)).status).toBe(503);
    await closing;
    await expect(fetch(`${draining.url}/health`)).rejects.toThrow();
  });

  it('stops accepting on close after finishing in-flight requests', async () => {
    const email = `erin-${Date.now()}@example.test`;
    const up = await post('/api/auth/sign-up/email', { email, password: 'correct-horse-battery', name: 'Erin' }, { origin: proxyOrigin });
    expect(up.status, await up.clone().text()).toBe(200);
    const { token, user } = (await up.json()) as { token: string; user: { id: string } };
    agentGate.reached = new Promise((resolve) => (agentGate.arrived = resolve));
    const inflight = post(`/api/${user.id}/chat`, { message: 'slow one' }, { authorization: `Bearer ${token}` });
    await agentGate.reached;
    const closing = backend.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect(fetch(`${backend.url}/health`)).rejects.toThrow();
    agentGate.release();
    const res = await inflight;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { response: string }).response).toBe('echo: slow one');
    await closing;
  });
});
