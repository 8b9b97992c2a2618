import { request } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createTask, listTasks, user, type DatabaseHandle } from '@todo/backend/db';
import { openTestDatabase } from '@todo/backend/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMcpServer, type RunningMcpServer } from './http-server.js';

const token = 'test-token-0123456789';
let database: DatabaseHandle;
let mcp: RunningMcpServer;
let client: Client;

beforeAll(async () => {
  database = await openTestDatabase();
  await database.db.insert(user).values([
    { id: 'alice', name: 'Alice', email: 'alice@example.test' },
    { id: 'bob', name: 'Bob', email: 'bob@example.test' },
  ]);
  mcp = await startMcpServer({ db: database.db, port: 0, token, logLevel: 'silent' });
  client = await connect(token);
});

afterAll(async () => {
  await client?.close();
  await mcp?.close();
  await database?.close();
});

async function connect(bearer: string): Promise<Client> {
  const c = new Client({ name: 'test-client', version: '1.0.0' });
  await c.connect(
    new StreamableHTTPClientTransport(new URL(mcp.url), {
      requestInit: { headers: { Authorization: `Bearer ${bearer}` } },
    }),
  );
  return c;
}

async function call(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

function text(result: CallToolResult): string {
  const first = result.content[0];
  return first?.type === 'text' ? first.text : '';
}

/** A raw HTTP POST, so the test controls every header (fetch will not send a custom Host). */
function rawPost(
  headers: Record<string, string>,
  body: string,
  path = '/mcp',
): Promise<{ status: number; body: string }> {
  const url = new URL(mcp.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (data += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const listToolsBody = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });

describe('tools over Streamable HTTP', () => {
  it('lists the five tools with described input schemas, output schemas and annotations', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      'add_task',
      'complete_task',
      'delete_task',
      'list_tasks',
      'update_task',
    ]);
    for (const tool of tools) {
      expect(tool.inputSchema.required).toContain('user_id');
      for (const [field, schema] of Object.entries(tool.inputSchema.properties ?? {})) {
        expect((schema as { description?: string }).description, `${tool.name}.${field}`).toBeTruthy();
      }
      expect(tool.outputSchema?.type).toBe('object');
      expect(tool.annotations).toBeDefined();
    }
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(byName.list_tasks?.annotations?.readOnlyHint).toBe(true);
    expect(byName.delete_task?.annotations?.destructiveHint).toBe(true);
    expect(byName.add_task?.annotations?.idempotentHint).toBe(false);
    expect(byName.complete_task?.inputSchema.properties?.task_id).toMatchObject({ type: 'integer' });
  });

  it('calls every tool with the documented result shapes', async () => {
    const added = await call('add_task', { user_id: 'alice', title: 'buy milk', description: '2 litres' });
    expect(added.isError).toBeFalsy();
    const created = added.structuredContent as { task_id: number };
    expect(created).toEqual({ task_id: expect.any(Number), status: 'created', title: 'buy milk' });
    expect(JSON.parse(text(added))).toEqual(created);
    const id = created.task_id;

    const listed = await call('list_tasks', { user_id: 'alice' });
    expect(listed.structuredContent).toEqual({ tasks: [{ id, title: 'buy milk', completed: false }] });
    expect(JSON.parse(text(listed))).toEqual([{ id, title: 'buy milk', completed: false }]);

    const updated = await call('update_task', { user_id: 'alice', task_id: id, title: 'buy oat milk' });
    expect(updated.structuredContent).toEqual({ task_id: id, status: 'updated', title: 'buy oat milk' });

    const completed = await call('complete_task', { user_id: 'alice', task_id: id });
    expect(completed.structuredContent).toEqual({ task_id: id, status: 'completed', title: 'buy oat milk' });
    // Completing twice leaves it done (the tool is idempotent, not a toggle).
    await call('complete_task', { user_id: 'alice', task_id: id });
    expect((await call('list_tasks', { user_id: 'alice', status: 'completed' })).structuredContent).toEqual({
      tasks: [{ id, title: 'buy oat milk', completed: true }],
    });
    expect((await call('list_tasks', { user_id: 'alice', status: 'pending' })).structuredContent).toEqual({
      tasks: [],
    });

    const deleted = await call('delete_task', { user_id: 'alice', task_id: id });
    expect(deleted.structuredContent).toEqual({ task_id: id, status: 'deleted', title: 'buy oat milk' });
    expect(await listTasks(database.db, 'alice')).toEqual([]);
  });

  it('reports a missing task as a tool error', async () => {
    const result = await call('complete_task', { user_id: 'alice', task_id: 7654321 });
    expect(result.isError).toBe(true);
    expect(text(result)).toBe('Task 7654321 not found');
  });

  it("treats another user's task as not found and leaves it untouched", async () => {
    const bobs = await createTask(database.db, 'bob', { title: "bob's secret" });
    for (const name of ['complete_task', 'delete_task', 'update_task']) {
      const result = await call(name, { user_id: 'alice', task_id: bobs.id, title: 'stolen' });
      expect(result.isError, name).toBe(true);
      expect(text(result)).toBe(`Task ${bobs.id} not found`);
    }
    const listed = await call('list_tasks', { user_id: 'alice' });
    expect(JSON.stringify(listed.structuredContent)).not.toContain('secret');
    expect(await listTasks(database.db, 'bob')).toMatchObject([{ id: bobs.id, title: "bob's secret", completed: false }]);
  });

  it('refuses an update with nothing to change', async () => {
    const t = await createTask(database.db, 'alice', { title: 'keep me' });
    const result = await call('update_task', { user_id: 'alice', task_id: t.id });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/nothing to update/i);
  });
});

describe('access control', () => {
  it('answers /health without a token', async () => {
    const res = await fetch(mcp.url.replace('/mcp', '/health'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('rejects requests without a token or with a wrong one (401)', async () => {
    expect((await rawPost({}, listToolsBody)).status).toBe(401);
    expect((await rawPost({ authorization: `Bearer ${token}x` }, listToolsBody)).status).toBe(401);
    expect((await rawPost({ authorization: token }, listToolsBody)).status).toBe(401);
    await expect(connect('wrong-token')).rejects.toThrow();
  });

  it('rejects a foreign Host or Origin (403) and accepts the in-cluster service name', async () => {
    const auth = { authorization: `Bearer ${token}` };
    expect((await rawPost({ ...auth, host: 'evil.example.com' }, listToolsBody)).status).toBe(403);
    expect((await rawPost({ ...auth, host: 'mcp-server.evil.com:8001' }, listToolsBody)).status).toBe(403);
    for (const host of ['localhost:8001:80', 'localhost:99999', 'evil.com#@localhost:8001', 'localhost@evil.com:8001']) {
      expect((await rawPost({ ...auth, host }, listToolsBody)).status, host).toBe(403);
    }
    expect((await rawPost({ ...auth, origin: 'http://evil.example.com' }, listToolsBody)).status).toBe(403);

    for (const host of ['mcp-server:8001', 'mcp-server', 'localhost:8001', '127.0.0.1', '127.0.0.1:65535', '[::1]:8001']) {
      const res = await rawPost({ ...auth, host }, listToolsBody);
      expect(res.status, host).toBe(200);
      expect(JSON.parse(res.body).result.tools).toHaveLength(5);
    }
  });

  it('accepts extra hosts from allowedHosts', async () => {
    const other = await startMcpServer({
      db: database.db,
      port: 0,
      token,
      allowedHosts: ['todo.internal'],
      logLevel: 'silent',
    });
    try {
      const url = new URL(other.url);
      const res = await new Promise<number>((resolve, reject) => {
        const req = request(
          {
            host: url.hostname,
            port: url.port,
            path: '/mcp',
            method: 'POST',
            headers: {
              host: 'todo.internal:8001',
              authorization: `Bearer ${token}`,
              'content-type': 'application/json',
              accept: 'application/json, text/event-stream',
            },
          },
          (r) => {
            r.resume();
            resolve(r.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end(listToolsBody);
      });
      expect(res).toBe(200);
    } finally {
      await other.close();
    }
  });

  it('refuses oversized bodies (413) and methods a stateless server has no use for (405)', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const huge = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { pad: 'x'.repeat(2_000_000) } });
    expect((await rawPost(auth, huge)).status).toBe(413);
    const get = await fetch(mcp.url, { headers: { ...auth, accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
    expect((await fetch(mcp.url.replace('/mcp', '/nope'))).status).toBe(404);
  });

  it('answers broken JSON with a JSON-RPC parse error, not a 5xx', async () => {
    const res = await rawPost({ authorization: `Bearer ${token}` }, '{"jsonrpc": "2.0", "method": ');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.code).toBe(-32700);
  });
});
