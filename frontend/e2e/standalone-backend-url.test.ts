// One build, two runs: the standalone server forwards /api to whatever BACKEND_URL says when it starts, so the
// same image serves every environment. Two small HTTP servers stand in for two backends.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeTier } from '../../tests/lib/tier.js';
import { ensureStandaloneBuild, freePort, startStandaloneFrontend, type RunningFrontend } from './lib/standalone.js';

type Seen = { method: string; url: string; headers: IncomingMessage['headers']; body: string };

type FakeBackend = { name: string; url: string; seen: Seen[]; releaseStream: () => void; close: () => Promise<void> };

async function startFakeBackend(name: string): Promise<FakeBackend> {
  const seen: Seen[] = [];
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const record = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
      seen.push(record);
      if (req.url === '/api/stream') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first\n');
        void released.then(() => res.end('second\n'));
        return;
      }
      res.writeHead(req.url?.startsWith('/api/missing') ? 404 : 200, [
        ['content-type', 'application/json'],
        ['set-cookie', `session=${name}; Path=/; HttpOnly; SameSite=Lax`],
        ['set-cookie', 'theme=dark; Path=/; Expires=Wed, 21 Oct 2037 07:28:00 GMT'],
      ]);
      res.end(JSON.stringify({ backend: name, method: record.method, url: record.url, body: record.body }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    seen,
    releaseStream: () => release(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describeTier('browser', [], 'standalone frontend reads BACKEND_URL at run time', () => {
  let backendA: FakeBackend;
  let backendB: FakeBackend;
  let frontendA: RunningFrontend;
  let frontendB: RunningFrontend;
  let buildId: string;

  beforeAll(async () => {
    ensureStandaloneBuild();
    buildId = readFileSync(path.join(import.meta.dirname, '..', '.next', 'BUILD_ID'), 'utf8');
    backendA = await startFakeBackend('A');
    backendB = await startFakeBackend('B');
    frontendA = await startStandaloneFrontend({ backendUrl: backendA.url });
    frontendB = await startStandaloneFrontend({ backendUrl: `${backendB.url}/` });
  });

  afterAll(async () => {
    await Promise.all([frontendA?.close(), frontendB?.close()]);
    await Promise.all([backendA?.close(), backendB?.close()]);
  });

  it('answers /api/health itself without touching the backend', async () => {
    const response = await fetch(`${frontendA.url}/api/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
    expect(backendA.seen.filter((s) => s.url.includes('health'))).toEqual([]);
  });

  it('forwards each server to its own backend, path and query intact', async () => {
    const a = await fetch(`${frontendA.url}/api/user-1/tasks?status=pending`);
    const b = await fetch(`${frontendB.url}/api/user-1/tasks?status=pending`);
    expect(await a.json()).toMatchObject({ backend: 'A', method: 'GET', url: '/api/user-1/tasks?status=pending' });
    expect(await b.json()).toMatchObject({ backend: 'B', method: 'GET', url: '/api/user-1/tasks?status=pending' });
    expect(backendA.seen.some((s) => s.url === '/api/user-1/tasks?status=pending')).toBe(true);
    expect(backendB.seen.some((s) => s.url === '/api/user-1/tasks?status=pending')).toBe(true);
    // Neither server was rebuilt in between: both run the same build.
    expect(readFileSync(path.join(import.meta.dirname, '..', '.next', 'BUILD_ID'), 'utf8')).toBe(buildId);
  });

  it('passes the body, cookies, Authorization and forwarding headers through, and every Set-Cookie back', async () => {
    const response = await fetch(`${frontendB.url}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: 'better-auth.session_token=abc.def',
        authorization: 'Bearer token-123',
        'x-forwarded-for': '203.0.113.7',
      },
      body: JSON.stringify({ email: 'a@example.com', password: 'secret-password' }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ backend: 'B', method: 'POST', body: '{"email":"a@example.com","password":"secret-password"}' });
    expect(response.headers.getSetCookie()).toEqual([
      'session=B; Path=/; HttpOnly; SameSite=Lax',
      'theme=dark; Path=/; Expires=Wed, 21 Oct 2037 07:28:00 GMT',
    ]);
    const seen = backendB.seen.find((s) => s.url === '/api/auth/sign-in/email');
    expect(seen?.headers['cookie']).toBe('better-auth.session_token=abc.def');
    expect(seen?.headers['authorization']).toBe('Bearer token-123');
    expect(seen?.headers['x-forwarded-host']).toBe(`127.0.0.1:${frontendB.port}`);
    expect(seen?.headers['x-forwarded-proto']).toBe('http');
    expect(seen?.headers['x-forwarded-for']).toContain('203.0.113.7');
  });

  it('keeps the backend status, for PUT, PATCH and DELETE too', async () => {
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      const response = await fetch(`${frontendA.url}/api/user-1/tasks/7`, { method, body: method === 'DELETE' ? undefined : '{}' });
      expect(await response.json()).toMatchObject({ backend: 'A', method });
    }
    const missing = await fetch(`${frontendA.url}/api/missing`);
    expect(missing.status).toBe(404);
  });

  it('streams the response instead of buffering it', async () => {
    const response = await fetch(`${frontendA.url}/api/stream`);
    const reader = response.body!.getReader();
    const first = await Promise.race([
      reader.read(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('first chunk was held back')), 10_000)),
    ]);
    expect(new TextDecoder().decode(first.value)).toBe('first\n');
    backendA.releaseStream();
    let rest = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    expect(rest).toBe('second\n');
  });

  it('answers 502 with a JSON error when its backend is unreachable', async () => {
    const closedPort = await freePort();
    const orphan = await startStandaloneFrontend({ backendUrl: `http://127.0.0.1:${closedPort}` });
    try {
      const response = await fetch(`${orphan.url}/api/user-1/tasks`);
      expect(response.status).toBe(502);
      const body = (await response.json()) as { error?: unknown };
      expect(typeof body.error).toBe('string');
      expect((await fetch(`${orphan.url}/api/health`)).status).toBe(200);
    } finally {
      await orphan.close();
    }
  });
});
