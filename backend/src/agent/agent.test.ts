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

describe('offline phrasings, end to end', () => {
  it('understands the common phrasings by title and by number', async () => {
    const run = (message: string) => agent.run({ userId: 'carol', history: [], message });
    const id = async (title: string) => (await listTasks(database.db, 'carol')).find((t) => t.title === title)?.id;

    expect((await run("what's left?")).response).toBe('You have nothing left to do.');
    expect((await run('show my tasks')).response).toBe("Your list is empty. Try 'add buy milk'.");
    expect((await run('remember to call mom')).response).toBe(`Added 'call mom' (task ${await id('call mom')}).`);
    expect((await run('add buy milk')).response).toBe(`Added 'buy milk' (task ${await id('buy milk')}).`);
    expect((await run('create a task to walk the dog')).response).toMatch(/^Added 'walk the dog' \(task \d+\)\.$/);

    const milk = (await id('buy milk'))!;
    expect((await run('change buy milk to buy oat milk')).response).toBe(`Renamed task ${milk} to 'buy oat milk'.`);
    const mom = (await id('call mom'))!;
    expect((await run(`rename task ${mom} to call dad`)).response).toBe(`Renamed task ${mom} to 'call dad'.`);

    // Fuzzy: a word of the title is enough, and a typo is forgiven.
    expect((await run('mark the milk one done')).response).toBe(`Marked 'buy oat milk' (task ${milk}) as done.`);
    expect((await run('mark the milk one done')).response).toBe(`'buy oat milk' (task ${milk}) is already done.`);
    expect((await run(`complete task ${mom}`)).response).toBe(`Marked 'call dad' (task ${mom}) as done.`);
    const dog = (await id('walk the dog'))!;
    expect((await run('finish walk the dgo')).response).toBe(`Marked 'walk the dog' (task ${dog}) as done.`);

    expect((await run("what's done?")).response).toBe(
      [`You have completed 3 tasks:`, `- call dad (task ${mom})`, `- buy oat milk (task ${milk})`, `- walk the dog (task ${dog})`].join('\n'),
    );

    await run('add buy bread');
    await run('add buy butter');
    expect((await run('delete buy')).response).toMatch(/^Which one do you mean: .*'buy bread' \(task \d+\).*\?/);
    const bread = (await id('buy bread'))!;
    expect((await run('remove buy bread from my list')).response).toBe(`Deleted 'buy bread' (task ${bread}).`);
    expect((await run(`delete task ${dog}`)).response).toBe(`Deleted 'walk the dog' (task ${dog}).`);
    expect((await run('delete the dentist appointment')).response).toBe(
      "I couldn't find a task matching 'dentist appointment'. Say 'show my tasks' to see them.",
    );
    expect((await run('rename task 999 to nothing')).response).toBe("I couldn't find task 999.");

    expect((await run(`add ${'x'.repeat(300)}`)).response).toBe(
      "I couldn't add that task: a title must be 1 to 200 characters of plain text.",
    );
    expect((await run(`rename task ${mom} to ${'y'.repeat(250)}`)).response).toBe(
      "I couldn't do that: a title must be 1 to 200 characters of plain text.",
    );
    expect((await run('delete task 99999999999999999999')).response).toBe("I couldn't find task 100000000000000000000.");

    const help = await run('sing me a song');
    expect(help.response).toMatch(/didn't understand.*add buy milk/);
    expect(help.toolCalls).toEqual([]);
    expect((await run('hello')).response).toMatch(/^Hi! I can manage your todo list/);

    expect((await listTasks(database.db, 'carol')).map((t) => [t.title, t.completed])).toEqual([
      ['call dad', true],
      ['buy oat milk', true],
      ['buy butter', false],
    ]);
  });

  it("cannot reach another user's tasks through chat", async () => {
    const bobs = await createTask(database.db, 'bob', { title: 'bob private errand' });
    const results = await Promise.all(
      [`delete task ${bobs.id}`, `complete task ${bobs.id}`, `rename task ${bobs.id} to hacked`, 'delete bob private errand'].map(
        (message) => agent.run({ userId: 'alice', history: [], message }),
      ),
    );
    expect(results.map((r) => r.response)).toEqual([
      `I couldn't find task ${bobs.id}.`,
      `I couldn't find task ${bobs.id}.`,
      `I couldn't find task ${bobs.id}.`,
      "I couldn't find a task matching 'bob private errand'. Say 'show my tasks' to see them.",
    ]);
    expect(await listTasks(database.db, 'bob')).toMatchObject([{ id: bobs.id, title: 'bob private errand', completed: false }]);
  });
});

describe('concurrent turns', () => {
  it('keeps each turn on its own user and its own tool-call record', async () => {
    const users = ['alice', 'bob'];
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        agent.run({ userId: users[i % 2]!, history: [], message: `add parallel ${users[i % 2]} ${i}` }),
      ),
    );
    replies.forEach((reply, i) => {
      expect(reply.toolCalls).toHaveLength(1);
      expect(reply.toolCalls[0]).toMatchObject({
        name: 'add_task',
        arguments: { user_id: users[i % 2], title: `parallel ${users[i % 2]} ${i}` },
      });
    });
    for (const id of users) {
      const titles = (await listTasks(database.db, id)).map((t) => t.title).filter((t) => t.startsWith('parallel'));
      expect(titles).toHaveLength(10);
      expect(titles.every((t) => t.startsWith(`parallel ${id} `))).toBe(true);
    }
  });
});

describe('MCP connection', () => {
  it('keeps working after the MCP server restarts', async () => {
    const first = await startMcpServer({ db: database.db, port: 0, token, logLevel: 'silent' });
    const own = createChatAgent({ mcpServerUrl: first.url, mcpToken: token, maxTurns: 6 });
    try {
      expect((await own.run({ userId: 'bob', history: [], message: 'add before restart' })).response).toMatch(/^Added/);
      await first.close();
      const down = await own.run({ userId: 'bob', history: [], message: 'add while down' });
      expect(down.response).toMatch(/^I couldn't add that task: the add_task tool could not be reached/);
      const second = await startMcpServer({ db: database.db, port: first.port, token, logLevel: 'silent' });
      try {
        expect((await own.run({ userId: 'bob', history: [], message: 'add after restart' })).response).toMatch(/^Added/);
      } finally {
        await second.close();
      }
      expect((await listTasks(database.db, 'bob')).map((t) => t.title)).toEqual(
        expect.arrayContaining(['before restart', 'after restart']),
      );
    } finally {
      await own.close();
    }
  });

  it('rejects a wrong token with a clear error', async () => {
    const wrong = createChatAgent({ mcpServerUrl: mcp.url, mcpToken: 'not-the-token', maxTurns: 6 });
    try {
      await expect(wrong.run({ userId: 'alice', history: [], message: 'list' })).rejects.toThrow(/401|Unauthorized/);
    } finally {
      await wrong.close();
    }
  });

  it('answers an offline chat turn quickly', async () => {
    await agent.run({ userId: 'bob', history: [], message: 'add latency probe' });
    const times: number[] = [];
    for (let i = 0; i < 40; i++) {
      const start = performance.now();
      await agent.run({ userId: 'bob', history: [], message: 'mark latency probe done' });
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    const p95 = times[Math.floor(times.length * 0.95)]!;
    // A loose ceiling that only a broken connection reuse would cross; the benchmark measures the real figure.
    expect(p95).toBeLessThan(1_000);
  });
});

