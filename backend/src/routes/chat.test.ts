import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { message } from '../db/schema.js';
import { echoAgent, openTestApp, type TestApp, type TestUser } from '../test-app.js';
import type { ChatAgent } from './chat-agent.js';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;
const agent = echoAgent();
let failNext = false;
const flakyAgent: ChatAgent = {
  run: (input) => (failNext ? Promise.reject(new Error('model unreachable')) : agent.run(input)),
  close() {},
};

beforeAll(async () => {
  t = await openTestApp({ agent: flakyAgent });
  alice = await t.signUp('Alice');
  bob = await t.signUp('Bob');
});
afterAll(() => t.close());

const messages = async () => (await t.handle.db.select({ n: count() }).from(message))[0]!.n;

describe('chat API', () => {
  it('starts a conversation, then continues it with the stored history', async () => {
    const first = await t.call(alice, 'POST', `/api/${alice.id}/chat`, { message: 'hello there' });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ conversation_id: expect.any(Number), response: 'echo: hello there', tool_calls: [] });
    expect(agent.calls.at(-1)).toEqual({ userId: alice.id, history: [], message: 'hello there' });

    const second = await t.call(alice, 'POST', `/api/${alice.id}/chat`, {
      conversation_id: first.body.conversation_id,
      message: 'and again',
    });
    expect(second.status).toBe(200);
    expect(second.body.conversation_id).toBe(first.body.conversation_id);
    expect(agent.calls.at(-1)!.history).toEqual([
      { role: 'user', content: 'hello there' },
      { role: 'assistant', content: 'echo: hello there' },
    ]);

    // Each turn stored its question and its reply, in order; a question keeps the time it was asked.
    const reload = await t.call(alice, 'GET', `/api/${alice.id}/conversations/${first.body.conversation_id}`);
    const stored = reload.body.messages as { id: number; role: string; content: string; created_at: string }[];
    expect(stored.map((m) => [m.role, m.content])).toEqual([
      ['user', 'hello there'],
      ['assistant', 'echo: hello there'],
      ['user', 'and again'],
      ['assistant', 'echo: and again'],
    ]);
    const times = stored.map((m) => Date.parse(m.created_at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('answers 400 naming the field, and stores nothing', async () => {
    const before = await messages();
    const cases: [unknown, string][] = [
      [{}, 'message'],
      [{ message: '' }, 'message'],
      [{ message: '  \n ' }, 'message'],
      [{ message: 5 }, 'message'],
      [{ message: 'x'.repeat(4001) }, 'message'],
      [{ message: 'hi', conversation_id: -1 }, 'conversation_id'],
      [{ message: 'hi', conversation_id: 0 }, 'conversation_id'],
      [{ message: 'hi', conversation_id: 1.5 }, 'conversation_id'],
      [{ message: 'hi', conversation_id: '1' }, 'conversation_id'],
      [{ message: 'hi', conversation_id: 2 ** 31 }, 'conversation_id'],
      ['{"message": ', 'body'],
      ['"just a string"', 'body'],
    ];
    for (const [body, field] of cases) {
      const res = await t.call(alice, 'POST', `/api/${alice.id}/chat`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.field, JSON.stringify(body)).toBe(field);
    }
    expect(await messages()).toBe(before);
  });

  it("answers 404 for someone else's or a missing conversation, and stores nothing", async () => {
    const bobs = await t.call(bob, 'POST', `/api/${bob.id}/chat`, { message: 'bob private' });
    const before = await messages();
    for (const id of [bobs.body.conversation_id, 2_147_483_647]) {
      const res = await t.call(alice, 'POST', `/api/${alice.id}/chat`, { conversation_id: id, message: 'let me in' });
      expect(res.status).toBe(404);
      expect(res.body.error).toBe('not_found');
    }
    expect(await messages()).toBe(before);
  });

  it('answers 502 when the assistant fails, keeping the user message', async () => {
    const before = await messages();
    failNext = true;
    const res = await t.call(alice, 'POST', `/api/${alice.id}/chat`, { message: 'are you there?' });
    failNext = false;
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ error: 'assistant_failed', conversation_id: expect.any(Number) });
    expect(await messages()).toBe(before + 1);
    const reload = await t.call(alice, 'GET', `/api/${alice.id}/conversations/${res.body.conversation_id}`);
    expect(reload.body.messages.map((m: { content: string }) => m.content)).toEqual(['are you there?']);
  });
});

describe('conversations API', () => {
  it('lists only the caller’s conversations, newest first, and reloads one with its messages', async () => {
    const a = await t.call(alice, 'POST', `/api/${alice.id}/chat`, { message: 'first topic' });
    const b = await t.call(alice, 'POST', `/api/${alice.id}/chat`, { message: 'second topic' });
    const list = await t.call(alice, 'GET', `/api/${alice.id}/conversations`);
    expect(list.status).toBe(200);
    const ids = list.body.map((c: { id: number }) => c.id);
    expect(ids.indexOf(b.body.conversation_id)).toBeLessThan(ids.indexOf(a.body.conversation_id));
    expect(list.body.find((c: { id: number }) => c.id === a.body.conversation_id).title).toBe('first topic');
    // Continuing the older one makes it the most recent.
    await t.call(alice, 'POST', `/api/${alice.id}/chat`, { conversation_id: a.body.conversation_id, message: 'back to it' });
    const again = await t.call(alice, 'GET', `/api/${alice.id}/conversations`);
    expect(again.body[0].id).toBe(a.body.conversation_id);
    expect(again.body[0].updated_at > again.body[0].created_at).toBe(true);
    const bobList = await t.call(bob, 'GET', `/api/${bob.id}/conversations`);
    expect(bobList.body.map((c: { id: number }) => c.id)).not.toContain(a.body.conversation_id);

    const reload = await t.call(alice, 'GET', `/api/${alice.id}/conversations/${a.body.conversation_id}`);
    expect(reload.status).toBe(200);
    expect(reload.body.messages.slice(0, 2)).toEqual([
      { id: expect.any(Number), role: 'user', content: 'first topic', tool_calls: [], created_at: expect.any(String) },
      { id: expect.any(Number), role: 'assistant', content: 'echo: first topic', tool_calls: [], created_at: expect.any(String) },
    ]);
    expect(reload.body.messages).toHaveLength(4);
  });

  it("answers 404 for someone else's conversation and 400 for a bad id", async () => {
    const bobs = await t.call(bob, 'POST', `/api/${bob.id}/chat`, { message: 'bob only' });
    const res = await t.call(alice, 'GET', `/api/${alice.id}/conversations/${bobs.body.conversation_id}`);
    expect(res.status).toBe(404);
    for (const bad of ['0', '-3', 'x', '2147483648', '1.0']) {
      const r = await t.call(alice, 'GET', `/api/${alice.id}/conversations/${bad}`);
      expect(r.status, bad).toBe(400);
      expect(r.body.field).toBe('id');
    }
  });
});
