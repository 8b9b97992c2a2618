import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McpConnection } from './mcp-client.js';

// A stand-in server whose answers to tools/call the test chooses, so the client's handling of a bad answer is
// what is tested (the real server never sends one).
const listed = {
  tools: [
    {
      name: 'list_tasks',
      inputSchema: { type: 'object', properties: { user_id: { type: 'string' } } },
      outputSchema: {
        type: 'object',
        properties: {
          tasks: { type: 'array', items: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] } },
        },
        required: ['tasks'],
      },
    },
  ],
};
let answer: (id: unknown) => { status: number; type: string; body: string };
let http: Server;
let url: string;

beforeAll(async () => {
  http = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      const message = req.method === 'POST' ? (JSON.parse(text) as { id?: unknown; method: string; params?: { protocolVersion?: string } }) : undefined;
      if (!message) return res.writeHead(405).end();
      if (message.id === undefined) return res.writeHead(202).end();
      const reply = (result: unknown) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
      if (message.method === 'initialize') {
        return reply({ protocolVersion: message.params?.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'stand-in', version: '1' } });
      }
      if (message.method === 'tools/list') return reply(listed);
      const { status, type, body } = answer(message.id);
      res.writeHead(status, { 'content-type': type }).end(body);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
});

afterAll(async () => {
  http.closeAllConnections();
  await new Promise((resolve) => http.close(resolve));
});

function result(id: unknown, value: unknown) {
  return { status: 200, type: 'application/json', body: JSON.stringify({ jsonrpc: '2.0', id, result: value }) };
}

async function callWith(reply: typeof answer) {
  answer = reply;
  const connection = new McpConnection(url, 'token');
  try {
    await connection.listTools();
    return await connection.callTool('list_tasks', { user_id: 'alice' });
  } finally {
    await connection.close();
  }
}

describe('McpConnection answers', () => {
  it('returns a well-formed result', async () => {
    const tasks = [{ id: 1, title: 'milk ü', completed: false }];
    const got = await callWith((id) => result(id, { content: [{ type: 'text', text: JSON.stringify(tasks) }], structuredContent: { tasks } }));
    expect(got.structuredContent).toEqual({ tasks });
    expect(got.content).toEqual([{ type: 'text', text: JSON.stringify(tasks) }]);
  });

  it('rejects structured content that breaks the tool output schema', async () => {
    await expect(
      callWith((id) => result(id, { content: [], structuredContent: { tasks: [{ id: 'one' }] } })),
    ).rejects.toThrow(/output schema/);
  });

  it('rejects a result that is not a tool result', async () => {
    await expect(callWith((id) => result(id, { content: 'not a list' }))).rejects.toThrow();
  });

  it('rejects a body that is not JSON', async () => {
    await expect(callWith(() => ({ status: 200, type: 'application/json', body: '{"jsonrpc": "2.0", "id": ' }))).rejects.toThrow();
  });

  it('rejects an HTTP error, naming the status and what the server said', async () => {
    await expect(callWith(() => ({ status: 500, type: 'text/plain', body: 'database on fire' }))).rejects.toMatchObject({
      code: 500,
      message: expect.stringContaining('database on fire'),
    });
  });
});
