import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const mainPath = fileURLToPath(new URL('./main.ts', import.meta.url));
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'mcp-main-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function start(env: Record<string, string>): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
  // Only what the service reads, so the developer's own environment cannot leak into the test.
  const child = spawn(process.execPath, ['--import', 'tsx', mainPath], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exit };
}

async function waitForHealth(url: string, exit: Promise<unknown>, deadline = Date.now() + 90_000): Promise<void> {
  let exited = false;
  void exit.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not become healthy`);
}

describe('mcp_server main', () => {
  it('serves /health and /mcp on PORT, then stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const token = 'main-test-token';
    const proc = start({ PORT: String(port), HOST: '127.0.0.1', PGLITE_DIR: dataDir, MCP_INTERNAL_TOKEN: token, LOG_LEVEL: 'info' });
    try {
      await waitForHealth(`http://127.0.0.1:${port}/health`, proc.exit);
      const res = await fetch(`http://127.0.0.1:${port}/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { result: { tools: unknown[] } }).result.tools).toHaveLength(5);
      expect(proc.output()).not.toContain(token);

      proc.child.kill('SIGTERM');
      expect(await proc.exit).toBe(0);
      expect(proc.output()).toContain('stopped');
    } finally {
      proc.child.kill('SIGKILL');
    }
  }, 120_000);

  it('refuses to start without MCP_INTERNAL_TOKEN, naming it', async () => {
    const proc = start({ PORT: String(await freePort()), PGLITE_DIR: dataDir });
    expect(await proc.exit).not.toBe(0);
    expect(proc.output()).toContain('MCP_INTERNAL_TOKEN');
  }, 60_000);
});
