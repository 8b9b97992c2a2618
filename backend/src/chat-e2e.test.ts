import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startMcpServer } from '@todo/mcp-server/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTask, migrateDatabase, openDatabase, type DatabaseHandle } from './db/index.js';
import { openTestDatabase, type TestDatabase } from './db/testing.js';
import { createLogger } from './logger.js';
import { startBackend } from './server.js';
import { TEST_SECRET } from './test-app.js';

// The chat end to end with the offline model: HTTP -> backend -> agent -> MCP over HTTP -> database, then both
// services restarted against the same database. On PostgreSQL they run as real processes (`tsx src/main.ts`);
// PGlite is single-process, so there they are stopped and started again on the same data folder.

const MCP_TOKEN = 'e2e-mcp-token-0123456789';
const ORIGIN = 'http://localhost:3000';
const root = resolve(import.meta.dirname, '../..');

interface Stack {
  url: string;
  stop(): Promise<void>;
}

let database: TestDatabase | undefined;
let pgliteDir: string | undefined;
let check: DatabaseHandle;

async function startStack(): Promise<Stack> {
  if (database?.url) return startProcesses(database.url);
  const db = await openDatabase({ dataDir: pgliteDir });
  await migrateDatabase(db);
  const logger = createLogger('silent');
  const mcp = await startMcpServer({ db: db.db, port: 0, token: MCP_TOKEN, logLevel: 'silent' });
  const backend = await startBackend({
    db,
    port: 0,
    host: '127.0.0.1',
    betterAuthSecret: TEST_SECRET,
    mcpServerUrl: mcp.url,
    mcpToken: MCP_TOKEN,
    logger,
  });
  check = db;
  return {
    url: backend.url,
    stop: async () => {
      await backend.close();
      await mcp.close();
      await db.close();
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

function run(entry: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: root,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  return child;
}

async function waitHealthy(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not yet listening
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not healthy within 30 s`);
}

async function startProcesses(databaseUrl: string): Promise<Stack> {
  const [mcpPort, backendPort] = [await freePort(), await freePort()];
  const common = { DATABASE_URL: databaseUrl, MCP_INTERNAL_TOKEN: MCP_TOKEN, LOG_LEVEL: 'warn', HOST: '127.0.0.1' };
  const mcp = run('mcp_server/src/main.ts', { ...common, PORT: String(mcpPort) });
  const backend = run('backend/src/main.ts', {
    ...common,
    PORT: String(backendPort),
    BETTER_AUTH_SECRET: TEST_SECRET,
    MCP_SERVER_URL: `http://127.0.0.1:${mcpPort}/mcp`,
  });
  try {
    await waitHealthy(`http://127.0.0.1:${mcpPort}/health`, mcp);
    await waitHealthy(`http://127.0.0.1:${backendPort}/ready`, backend);
  } catch (err) {
    mcp.kill('SIGKILL');
    backend.kill('SIGKILL');
    throw err;
  }
  const stopped = (child: ChildProcess) =>
    new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code))));
  return {
    url: `http://127.0.0.1:${backendPort}`,
    stop: async () => {
      backend.kill('SIGTERM');
      mcp.kill('SIGTERM');
      // Graceful SIGTERM handling ends both with status 0.
      expect(await stopped(backend)).toBe(0);
      expect(await stopped(mcp)).toBe(0);
    },
  };
}

let stack: Stack;

async function api(token: string | null, method: string, path: string, body?: unknown) {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers: {
      origin: ORIGIN,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function signUp(name: string) {
  const res = await api(null, 'POST', '/api/auth/sign-up/email', {
    email: `${name}-${Date.now()}@example.test`,
    password: 'correct-horse-battery',
    name,
  });
  expect(res.status).toBe(200);
  return { id: res.body.user.id as string, token: res.body.token as string };
}

beforeAll(async () => {
  database = await openTestDatabase();
  if (database.url) check = database;
  else {
    await database.close();
    database = undefined;
    pgliteDir = mkdtempSync(join(tmpdir(), 'todo-e2e-'));
  }
  stack = await startStack();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await database?.close();
  if (pgliteDir) rmSync(pgliteDir, { recursive: true, force: true });
});

describe('chat end to end with the offline model over the real MCP server', () => {
  let alice: { id: string; token: string };
  let bob: { id: string; token: string };
  let conversationId: number;
  let milkId: number;

  const chat = (who: { id: string; token: string }, message: string, conversation_id?: number) =>
    api(who.token, 'POST', `/api/${who.id}/chat`, { message, ...(conversation_id ? { conversation_id } : {}) });

  it('"add buy milk" creates the row', async () => {
    alice = await signUp('alice');
    bob = await signUp('bob');
    const res = await chat(alice, 'add buy milk');
    expect(res.status).toBe(200);
    conversationId = res.body.conversation_id;
    expect(res.body.tool_calls).toMatchObject([{ name: 'add_task', arguments: { title: 'buy milk' }, result: { status: 'created', title: 'buy milk' } }]);
    milkId = res.body.tool_calls[0].result.task_id;
    expect(res.body.response).toMatch(/buy milk/);
    const row = await getTask(check.db, alice.id, milkId);
    expect(row).toMatchObject({ title: 'buy milk', completed: false });
  });

  it('"what\'s left?" lists it', async () => {
    const res = await chat(alice, "what's left?", conversationId);
    expect(res.status).toBe(200);
    expect(res.body.tool_calls.map((c: { name: string }) => c.name)).toEqual(['list_tasks']);
    expect(res.body.response).toMatch(/buy milk/);
  });

  it('"mark buy milk as done" completes it', async () => {
    const res = await chat(alice, 'mark buy milk as done', conversationId);
    expect(res.status).toBe(200);
    expect(res.body.tool_calls.map((c: { name: string }) => c.name)).toContain('complete_task');
    expect(res.body.response).toMatch(/buy milk/);
    expect((await getTask(check.db, alice.id, milkId))?.completed).toBe(true);
  });

  it('"delete task 999" answers politely that it does not exist', async () => {
    const res = await chat(alice, 'delete task 999', conversationId);
    expect(res.status).toBe(200);
    expect(res.body.response).toMatch(/couldn.t find task 999|no task 999|not find task 999/i);
    expect(res.body.tool_calls[0]).toMatchObject({ name: 'delete_task', error: expect.any(String) });
  });

  it("never lets another user read or change alice's tasks through chat", async () => {
    const list = await chat(bob, "what's left?");
    expect(list.status).toBe(200);
    expect(list.body.response).not.toMatch(/buy milk/);
    const del = await chat(bob, `delete task ${milkId}`);
    expect(del.status).toBe(200);
    expect(del.body.response).toMatch(new RegExp(`couldn.t find task ${milkId}|not find task ${milkId}|no task ${milkId}`, 'i'));
    const rename = await chat(bob, `rename task ${milkId} to hacked`);
    expect(rename.body.response).not.toMatch(/renamed/i);
    expect(await getTask(check.db, alice.id, milkId)).toMatchObject({ title: 'buy milk', completed: true });
    const hijack = await chat(bob, 'add stolen milk', conversationId);
    expect(hijack.status).toBe(404);
    expect((await api(bob.token, 'GET', `/api/${bob.id}/conversations/${conversationId}`)).status).toBe(404);
  });

  it('continues the conversation with its history after backend and MCP server restart', async () => {
    await stack.stop();
    stack = await startStack();
    const res = await chat(alice, 'add buy bread', conversationId);
    expect(res.status).toBe(200);
    expect(res.body.conversation_id).toBe(conversationId);
    expect(res.body.tool_calls[0]).toMatchObject({ name: 'add_task', result: { title: 'buy bread' } });
    const list = await chat(alice, 'show my tasks', conversationId);
    expect(list.body.response).toMatch(/buy bread/);
    expect(list.body.response).toMatch(/buy milk/);

    const reload = await api(alice.token, 'GET', `/api/${alice.id}/conversations/${conversationId}`);
    expect(reload.status).toBe(200);
    const said = reload.body.messages.filter((m: { role: string }) => m.role === 'user').map((m: { content: string }) => m.content);
    expect(said).toEqual(['add buy milk', "what's left?", 'mark buy milk as done', 'delete task 999', 'add buy bread', 'show my tasks']);
    expect(reload.body.messages).toHaveLength(12);
    expect(reload.body.messages[1].tool_calls[0]).toMatchObject({ name: 'add_task' });
  }, 120_000);
});
