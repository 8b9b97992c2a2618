import fc from 'fast-check';
import { createTask, task, user, type DatabaseHandle } from '@todo/backend/db';
import { openTestDatabase } from '@todo/backend/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMcpServer, type RunningMcpServer } from './http-server.js';

const token = 'fuzz-token';
let database: DatabaseHandle;
let mcp: RunningMcpServer;
let ownTaskId: number;

beforeAll(async () => {
  database = await openTestDatabase();
  await database.db.insert(user).values({ id: 'fuzz', name: 'Fuzz', email: 'fuzz@example.test' });
  ownTaskId = (await createTask(database.db, 'fuzz', { title: 'existing task' })).id;
  mcp = await startMcpServer({ db: database.db, port: 0, token, logLevel: 'silent' });
});

afterAll(async () => {
  await mcp?.close();
  await database?.close();
});

async function snapshot(): Promise<string> {
  return JSON.stringify(await database.db.select().from(task).orderBy(task.id));
}

// Values of the wrong JSON type for any field.
const wrongType = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue(), { maxKeys: 3 }),
);
const hugeUnicode = (min: number) => fc.string({ minLength: min, maxLength: min + 2000, unit: 'grapheme' });
const withNul = fc.tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 })).map(([a, b]) => `${a}\u0000${b}`);
const badTitle = fc.oneof(wrongType, fc.constantFrom('', '   ', '\n\t'), hugeUnicode(201), withNul);
const badDescription = fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.string()), hugeUnicode(1001), withNul);
const badUser = fc.oneof(wrongType, fc.constant(''), hugeUnicode(256));
// Ids that name no row: wrong types, zero, negative, fractional, past int4 and past 2^53, numeric strings.
const badId = fc.oneof(
  wrongType.filter((v) => typeof v !== 'number'),
  fc.integer({ min: -2_147_483_648, max: 0 }),
  fc.double({ noInteger: true, noDefaultInfinity: true, noNaN: true }),
  fc.constantFrom(2 ** 31, 2 ** 31 + 7, 2 ** 53, 2 ** 53 + 2, 1e308, -(2 ** 63)),
  fc.integer({ min: 1, max: 2_000_000_000 }).map(String),
);
// A syntactically fine user id that has no account (adding a task for it must fail, not create one).
const strangerUser = fc.string({ minLength: 1, maxLength: 255, unit: 'grapheme' }).filter((s) => s !== 'fuzz');

const title = fc.constant('fine title');
const call = (name: string) => (args: unknown) => ({ name, arguments: args });

/** Built after setup, since some calls aim at the one existing task. */
const malformedCall = () => fc.oneof(
  // add_task
  fc.record({ user_id: badUser, title }).map(call('add_task')),
  fc.record({ user_id: fc.constant('fuzz'), title: badTitle }).map(call('add_task')),
  fc.record({ user_id: fc.constant('fuzz'), title, description: badDescription }).map(call('add_task')),
  fc.record({ user_id: strangerUser, title }).map(call('add_task')),
  fc.record({ title }).map(call('add_task')),
  fc.record({ user_id: fc.constant('fuzz') }).map(call('add_task')),
  // list_tasks
  fc.record({ user_id: badUser }).map(call('list_tasks')),
  fc.record({ user_id: fc.constant('fuzz'), status: fc.oneof(wrongType, fc.string().filter((s) => !['all', 'pending', 'completed'].includes(s))) }).map(call('list_tasks')),
  fc.constant({}).map(call('list_tasks')),
  // complete_task / delete_task
  ...['complete_task', 'delete_task'].flatMap((name) => [
    fc.record({ user_id: fc.constant('fuzz'), task_id: badId }).map(call(name)),
    fc.record({ user_id: badUser, task_id: fc.constant(ownTaskId) }).map(call(name)),
    fc.record({ user_id: strangerUser, task_id: fc.constant(ownTaskId) }).map(call(name)),
    fc.record({ user_id: fc.constant('fuzz') }).map(call(name)),
  ]),
  // update_task
  fc.record({ user_id: fc.constant('fuzz'), task_id: badId, title }).map(call('update_task')),
  fc.record({ user_id: fc.constant('fuzz'), task_id: fc.constant(ownTaskId), title: badTitle }).map(call('update_task')),
  fc.record({ user_id: fc.constant('fuzz'), task_id: fc.constant(ownTaskId), description: badDescription }).map(call('update_task')),
  fc.record({ user_id: fc.constant('fuzz'), task_id: fc.constant(ownTaskId) }).map(call('update_task')),
  fc.record({ user_id: strangerUser, task_id: fc.constant(ownTaskId), title }).map(call('update_task')),
  // not a tool, or arguments that are not an object
  fc.record({ name: fc.string({ maxLength: 40 }).filter((s) => !/^(add|list|complete|delete|update)_tasks?$/.test(s)), arguments: fc.jsonValue() }),
  fc.record({ name: fc.constantFrom('add_task', 'complete_task', 'update_task'), arguments: fc.oneof(fc.string(), fc.integer(), fc.array(fc.jsonValue())) }),
);

async function post(body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(mcp.url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json };
}

describe('malformed tool calls', () => {
  it('answer 1,200 generated bad calls with tool or protocol errors, crash nothing and write nothing', async () => {
    const before = await snapshot();
    let id = 0;
    const outcomes = { toolError: 0, protocolError: 0 };
    await fc.assert(
      fc.asyncProperty(malformedCall(), async (params) => {
        const { status, json } = await post({ jsonrpc: '2.0', id: ++id, method: 'tools/call', params });
        expect(status).toBeLessThan(500);
        if (json?.error) {
          outcomes.protocolError++;
          expect(typeof json.error.message).toBe('string');
        } else {
          expect(json?.result?.isError, JSON.stringify(params).slice(0, 300)).toBe(true);
          expect(json.result.content[0].text).not.toMatch(/insert into|select .* from|delete from|violates|constraint|drizzle/i);
          outcomes.toolError++;
        }
      }),
      { numRuns: 1200 },
    );
    expect(outcomes.toolError + outcomes.protocolError).toBe(1200);
    expect(outcomes.toolError).toBeGreaterThan(0);
    expect(await snapshot()).toBe(before);
    expect((await fetch(mcp.url.replace('/mcp', '/health'))).status).toBe(200);
  }, 180_000);

  it('answers broken JSON-RPC envelopes without a 5xx', async () => {
    const before = await snapshot();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.record({ jsonrpc: fc.constant('2.0'), id: fc.integer(), method: fc.constant('tools/call'), params: fc.jsonValue() }),
          fc.record({ jsonrpc: fc.jsonValue(), id: fc.jsonValue(), method: fc.jsonValue() }),
        ),
        async (body) => {
          const { status } = await post(body);
          expect(status).toBeLessThan(500);
        },
      ),
      { numRuns: 200 },
    );
    expect(await snapshot()).toBe(before);
  }, 60_000);
});
