import { createTask, listTasks, user, type DatabaseHandle } from '@todo/backend/db';
import { openTestDatabase } from '@todo/backend/testing';
import { startMcpServer, type RunningMcpServer } from '@todo/mcp-server/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChatAgent, type ChatAgent, type ChatMessage } from './index.js';

const token = 'agent-test-token';
let database: DatabaseHandle;
let mcp: RunningMcpServer;
let agent: ChatAgent;

beforeAll(async () => {
  database = await openTestDatabase();
  await database.db.insert(user).values([
    { id: 'alice', name: 'Alice', email: 'alice@example.test' },
    { id: 'bob', name: 'Bob', email: 'bob@example.test' },
    { id: 'carol', name: 'Carol', email: 'carol@example.test' },
  ]);
  mcp = await startMcpServer({ db: database.db, port: 0, token, logLevel: 'silent' });
  agent = createChatAgent({ mcpServerUrl: mcp.url, mcpToken: token, maxTurns: 6 });
});

afterAll(async () => {
  await agent?.close();
  await mcp?.close();
  await database?.close();
});

describe('offline model over the real MCP server', () => {
  it('adds, lists, completes and politely fails, confirming each action', async () => {
    const history: ChatMessage[] = [];
    const say = async (message: string) => {
      const reply = await agent.run({ userId: 'alice', history, message });
      history.push({ role: 'user', content: message }, { role: 'assistant', content: reply.response });
      return reply;
    };

    const added = await say('add buy milk');
    const [row] = await listTasks(database.db, 'alice');
    expect(row).toMatchObject({ title: 'buy milk', completed: false });
    expect(added.response).toBe(`Added 'buy milk' (task ${row!.id}).`);
    expect(added.toolCalls).toEqual([
      {
        name: 'add_task',
        arguments: { title: 'buy milk', user_id: 'alice' },
        result: { task_id: row!.id, status: 'created', title: 'buy milk' },
      },
    ]);

    const left = await say("what's left?");
    expect(left.response).toContain('buy milk');
    expect(left.response).toContain(`task ${row!.id}`);
    expect(left.toolCalls).toMatchObject([
      { name: 'list_tasks', arguments: { status: 'pending' }, result: [{ id: row!.id, title: 'buy milk', completed: false }] },
    ]);

    const done = await say('mark buy milk as done');
    expect(done.response).toBe(`Marked 'buy milk' (task ${row!.id}) as done.`);
    expect(done.toolCalls.map((c) => c.name)).toEqual(['list_tasks', 'complete_task']);
    expect((await listTasks(database.db, 'alice'))[0]?.completed).toBe(true);

    const missing = await say('delete task 999');
    expect(missing.response).toBe("I couldn't find task 999.");
    expect(missing.toolCalls).toEqual([
      { name: 'delete_task', arguments: { task_id: 999, user_id: 'alice' }, error: 'Task 999 not found' },
    ]);
  });
});
