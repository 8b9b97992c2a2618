import { execFile } from 'node:child_process';
import { startBackend, type RunningBackend } from '@todo/backend/server';
import { openTestDatabase } from '@todo/backend/testing';
import { startMcpServer } from '@todo/mcp-server/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCheckNames, apiChecks, mcpToolsListScript, type Check } from './verify.js';

// verify.ts's API round trip and its in-pod MCP probe, run against the real backend and MCP server (PGlite, offline
// model) instead of a cluster: the same requests a deployed frontend forwards.
type Db = Awaited<ReturnType<typeof openTestDatabase>>;
let db: Db;
let mcp: Awaited<ReturnType<typeof startMcpServer>>;
let backend: RunningBackend;
const token = 'verify-test-internal-token-0123456789';

beforeAll(async () => {
  db = await openTestDatabase();
  mcp = await startMcpServer({ db: db.db, port: 0, host: '127.0.0.1', token, logLevel: 'silent' });
  backend = await startBackend({
    db, port: 0, host: '127.0.0.1', betterAuthSecret: 'x'.repeat(40), mcpServerUrl: mcp.url, mcpToken: token, logLevel: 'silent',
  });
});

afterAll(async () => {
  await backend?.close();
  await mcp?.close();
  await db?.close();
});

describe('verify checks against the real services', () => {
  it('passes the whole API round trip, including a chat turn that calls add_task', async () => {
    const checks: Check[] = [];
    const check = async (name: string, fn: () => Promise<string>) => {
      try {
        checks.push({ name, ok: true, ms: 0, detail: await fn() });
        return true;
      } catch (err) {
        checks.push({ name, ok: false, ms: 0, detail: (err as Error).message });
        return false;
      }
    };
    await apiChecks(backend.url.replace(/\/+$/, ''), 'http://localhost:3000', check, (name, why) => checks.push({ name, ok: false, ms: 0, detail: why }));
    expect(checks.filter((c) => !c.ok), JSON.stringify(checks, null, 1)).toEqual([]);
    expect(checks.map((c) => c.name)).toEqual(apiCheckNames);
  });

  it('reports a failure when the API is not there', async () => {
    const checks: Check[] = [];
    await apiChecks(
      `${mcp.url.replace(/\/mcp$/, '')}/nothing`,
      'http://localhost:3000',
      async (name, fn) => {
        try {
          await fn();
          checks.push({ name, ok: true, ms: 0, detail: '' });
          return true;
        } catch (err) {
          checks.push({ name, ok: false, ms: 0, detail: (err as Error).message });
          return false;
        }
      },
      (name, why) => checks.push({ name, ok: false, ms: 0, detail: why }),
    );
    expect(checks.every((c) => !c.ok)).toBe(true);
    expect(checks).toHaveLength(apiCheckNames.length);
  });

  it.each([
    ['the right token', token, 0],
    ['a wrong token', 'not-the-token-0123456789', 1],
  ])('the in-pod MCP probe lists the five tools with %s', async (_what, given, code) => {
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, ['-e', mcpToolsListScript], { env: { MCP_SERVER_URL: mcp.url, MCP_INTERNAL_TOKEN: given } }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
    expect(r.code).toBe(code);
    if (code === 0) expect(JSON.parse(r.stdout).sort()).toEqual(['add_task', 'complete_task', 'delete_task', 'list_tasks', 'update_task']);
    else expect(r.stderr).toMatch(/HTTP 401/);
    expect(r.stderr + r.stdout).not.toContain(given);
  });
});
