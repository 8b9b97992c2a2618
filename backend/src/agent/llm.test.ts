import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTask, getTask, listTasks, user, type DatabaseHandle } from '@todo/backend/db';
import { openTestDatabase } from '@todo/backend/testing';
import { startMcpServer, type RunningMcpServer } from '@todo/mcp-server/server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createChatAgent } from './index.js';

// An OpenAI-compatible chat-completions endpoint that answers from a script, recording every request.
interface ChatRequest {
  model: string;
  messages: { role: string; content?: unknown; tool_calls?: unknown[]; tool_call_id?: string }[];
  tools?: { type: string; function: { name: string; parameters: { properties: Record<string, unknown>; required?: string[] } } }[];
}
type Scripted = { text: string } | { call: string; args: Record<string, unknown> };

let script: (request: ChatRequest, index: number) => Scripted;
const requests: ChatRequest[] = [];
let llm: Server;
let llmUrl: string;

function completion(step: Scripted, index: number) {
  const message =
    'text' in step
      ? { role: 'assistant', content: step.text }
      : {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: `call_${index}`, type: 'function', function: { name: step.call, arguments: typeof step.args === 'string' ? step.args : JSON.stringify(step.args) } },
          ],
        };
  return {
    id: `chatcmpl-${index}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: 'scripted-model',
    choices: [{ index: 0, message, finish_reason: 'text' in step ? 'stop' : 'tool_calls' }],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
  };
}

const token = 'llm-test-token';
let database: DatabaseHandle;
let mcp: RunningMcpServer;

beforeAll(async () => {
  llm = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
        res.writeHead(404).end();
        return;
      }
      const request = JSON.parse(body) as ChatRequest;
      requests.push(request);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(completion(script(request, requests.length - 1), requests.length)));
    });
  });
  await new Promise<void>((resolve) => llm.listen(0, '127.0.0.1', resolve));
  llmUrl = `http://127.0.0.1:${(llm.address() as AddressInfo).port}/v1`;

  database = await openTestDatabase();
  await database.db.insert(user).values([
    { id: 'alice', name: 'Alice', email: 'alice@example.test' },
    { id: 'bob', name: 'Bob', email: 'bob@example.test' },
  ]);
  mcp = await startMcpServer({ db: database.db, port: 0, token, logLevel: 'silent' });
});

afterAll(async () => {
  await mcp?.close();
  await database?.close();
  await new Promise((resolve) => llm?.close(resolve));
});

beforeEach(() => {
  requests.length = 0;
});

/** A chat message's text, whether the client sent it as a string or as text parts. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  return Array.isArray(content) ? content.map((part: { text?: string }) => part.text ?? '').join('') : '';
}

function makeAgent(maxTurns = 6) {
  return createChatAgent({
    mcpServerUrl: mcp.url,
    mcpToken: token,
    openai: { apiKey: 'sk-test', baseURL: llmUrl, model: 'scripted-model' },
    maxTurns,
  });
}

function toolMessages(request: ChatRequest | undefined) {
  return (request?.messages ?? []).filter((m) => m.role === 'tool');
}

describe('OpenAI-compatible model through the real agent loop and MCP server', () => {
  it('calls the MCP tool the model asks for and returns its final text', async () => {
    script = (_req, i) =>
      i === 0 ? { call: 'add_task', args: { title: 'buy bread', description: 'rye' } } : { text: 'Added buy bread for you.' };
    const agent = makeAgent();
    try {
      const reply = await agent.run({
        userId: 'alice',
        history: [
          { role: 'user', content: 'hello' },
          { role: 'assistant', content: 'Hi! How can I help?' },
        ],
        message: 'please add buy bread (rye)',
      });
      expect(reply.response).toBe('Added buy bread for you.');
      const rows = await listTasks(database.db, 'alice');
      const bread = rows.find((r) => r.title === 'buy bread');
      expect(bread).toMatchObject({ description: 'rye', completed: false });
      expect(reply.toolCalls).toEqual([
        {
          name: 'add_task',
          arguments: { title: 'buy bread', description: 'rye', user_id: 'alice' },
          result: { task_id: bread!.id, status: 'created', title: 'buy bread' },
        },
      ]);

      expect(requests).toHaveLength(2);
      const first = requests[0]!;
      expect(first.model).toBe('scripted-model');
      expect(first.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
      expect(first.tools?.map((t) => t.function.name).sort()).toEqual([
        'add_task',
        'complete_task',
        'delete_task',
        'list_tasks',
        'update_task',
      ]);
      // The model never sees user_id, so it cannot choose it.
      for (const t of first.tools ?? []) {
        expect(Object.keys(t.function.parameters.properties)).not.toContain('user_id');
        expect(t.function.parameters.required ?? []).not.toContain('user_id');
      }
      // The second call carries the whole conversation: the history, the question, the call and its result.
      expect(requests[1]!.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user', 'assistant', 'tool']);
      expect(requests[1]!.messages.slice(1, 4).map((m) => textOf(m.content))).toEqual([
        'hello',
        'Hi! How can I help?',
        'please add buy bread (rye)',
      ]);
      const fed = toolMessages(requests[1]);
      expect(fed).toHaveLength(1);
      expect(JSON.parse(String(fed[0]!.content))).toEqual({ task_id: bread!.id, status: 'created', title: 'buy bread' });
    } finally {
      await agent.close();
    }
  });

  it('feeds a tool error back to the model instead of throwing', async () => {
    script = (_req, i) =>
      i === 0 ? { call: 'complete_task', args: { task_id: 424242 } } : { text: "I couldn't find task 424242." };
    const agent = makeAgent();
    try {
      const reply = await agent.run({ userId: 'alice', history: [], message: 'complete task 424242' });
      expect(reply.response).toBe("I couldn't find task 424242.");
      expect(reply.toolCalls).toEqual([
        { name: 'complete_task', arguments: { task_id: 424242, user_id: 'alice' }, error: 'Task 424242 not found' },
      ]);
      expect(String(toolMessages(requests[1])[0]?.content)).toContain('Task 424242 not found');
    } finally {
      await agent.close();
    }
  });

  it('feeds invalid arguments back as a tool error', async () => {
    script = (_req, i) => (i === 0 ? { call: 'complete_task', args: { task_id: 'seven' } } : { text: 'Which task?' });
    const agent = makeAgent();
    try {
      const reply = await agent.run({ userId: 'alice', history: [], message: 'complete it' });
      expect(reply.response).toBe('Which task?');
      expect(reply.toolCalls[0]?.error).toMatch(/task_id/);
      expect(String(toolMessages(requests[1])[0]?.content)).toMatch(/^Error: .*task_id/s);
    } finally {
      await agent.close();
    }
  });

  it('feeds a made-up tool name and unparseable arguments back to the model', async () => {
    script = (_req, i) =>
      [
        { call: 'drop_all_tables', args: {} },
        { call: 'delete_task', args: '{not json' as unknown as Record<string, unknown> },
        { text: 'Sorry, I could not do that.' },
      ][i] as Scripted;
    const agent = makeAgent();
    try {
      const reply = await agent.run({ userId: 'alice', history: [], message: 'wreck it' });
      expect(reply.response).toBe('Sorry, I could not do that.');
      expect(reply.toolCalls).toEqual([]);
      expect(String(toolMessages(requests[1])[0]?.content)).toMatch(/drop_all_tables/);
      expect(String(toolMessages(requests[2]).at(-1)?.content)).toMatch(/valid JSON/);
    } finally {
      await agent.close();
    }
  });

  it('acts on the caller even when the model sends another user_id', async () => {
    const bobs = await createTask(database.db, 'bob', { title: "bob's task" });
    script = (_req, i) =>
      [
        { call: 'complete_task', args: { task_id: bobs.id, user_id: 'bob' } },
        { call: 'delete_task', args: { task_id: bobs.id, user_id: 'bob' } },
        { call: 'add_task', args: { title: 'planted', user_id: 'bob' } },
        { call: 'list_tasks', args: { user_id: 'bob' } },
        { text: 'done' },
      ][i] as Scripted;
    const agent = makeAgent();
    try {
      const reply = await agent.run({ userId: 'alice', history: [], message: 'do things to bob' });
      expect(reply.toolCalls.map((c) => c.arguments.user_id)).toEqual(['alice', 'alice', 'alice', 'alice']);
      expect(reply.toolCalls[0]?.error).toBe(`Task ${bobs.id} not found`);
      expect(reply.toolCalls[1]?.error).toBe(`Task ${bobs.id} not found`);
      expect(JSON.stringify(reply.toolCalls[3]?.result)).not.toContain("bob's task");
      expect(await getTask(database.db, 'bob', bobs.id)).toMatchObject({ completed: false });
      expect((await listTasks(database.db, 'bob')).map((t) => t.title)).toEqual(["bob's task"]);
      expect((await listTasks(database.db, 'alice')).map((t) => t.title)).toContain('planted');
    } finally {
      await agent.close();
    }
  });

  it('stops a model that keeps calling tools after maxTurns model calls', async () => {
    script = () => ({ call: 'list_tasks', args: {} });
    const agent = makeAgent(3);
    try {
      const reply = await agent.run({ userId: 'alice', history: [], message: 'loop forever' });
      expect(requests).toHaveLength(3);
      expect(reply.toolCalls).toHaveLength(3);
      expect(reply.response).toMatch(/couldn't finish that within 3 steps/);
    } finally {
      await agent.close();
    }
  });
});
