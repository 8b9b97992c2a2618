import { count } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { account, conversation, message, session, task, user } from './db/schema.js';
import { echoAgent, openTestApp, type TestApp, type TestUser } from './test-app.js';

// Generated malformed requests across the whole API: every one must be answered with a client error, none may
// reach the agent, and the database must be exactly as it was.

const RUNS = 1200;

let t: TestApp;
let alice: TestUser;
let bob: TestUser;
let aliceTask: number;
let bobTask: number;
let bobConversation: number;
const agent = echoAgent();

beforeAll(async () => {
  t = await openTestApp({ agent });
  alice = await t.signUp('Alice');
  bob = await t.signUp('Bob');
  aliceTask = (await t.call(alice, 'POST', `/api/${alice.id}/tasks`, { title: 'alice task' })).body.id;
  bobTask = (await t.call(bob, 'POST', `/api/${bob.id}/tasks`, { title: 'bob task' })).body.id;
  bobConversation = (await t.call(bob, 'POST', `/api/${bob.id}/chat`, { message: 'hi' })).body.conversation_id;
});
afterAll(() => t.close());

async function snapshot() {
  const n = async (table: typeof task | typeof user | typeof session | typeof account | typeof conversation | typeof message) =>
    (await t.handle.db.select({ n: count() }).from(table))[0]!.n;
  const tasks = await t.handle.db.select().from(task).orderBy(task.id);
  return {
    users: await n(user),
    accounts: await n(account),
    conversations: await n(conversation),
    messages: await n(message),
    tasks: tasks.map((r) => [r.id, r.userId, r.title, r.description, r.completed, r.updatedAt.getTime()]),
  };
}

interface BadRequest {
  method: string;
  path: string;
  body?: string;
  as: 'alice' | 'nobody' | 'forged';
}

// --- values -------------------------------------------------------------------------------------------------------
const anyText = fc.string({ unit: 'grapheme', maxLength: 60 });
const notAString = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(anyText, { maxLength: 3 }), fc.dictionary(anyText, anyText, { maxKeys: 2 }));
const blank = fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\r'), maxLength: 20 });
const tooLong = (max: number) =>
  fc
    .tuple(fc.string({ unit: fc.constantFrom('a', 'é', '牛', '🥛', ' ', '\u0301', 'Z'), minLength: 1, maxLength: 8 }), fc.integer({ min: max + 1, max: max * 3 }))
    .map(([s, n]) => s.repeat(n))
    // Limits count characters (code points), as zod does.
    .filter((s) => [...s.trim()].length > max);
const withNul = anyText.map((s) => `${s}\u0000${s}`);
const badTitle = fc.oneof(notAString, blank, tooLong(200), withNul);
const badDescription = fc.oneof(fc.integer(), fc.boolean(), fc.array(anyText, { maxLength: 2 }), tooLong(2000), withNul);
const badMessage = fc.oneof(notAString, blank, tooLong(4000), withNul);
const badId = fc.oneof(
  fc.integer({ max: 0 }).map(String),
  fc.double({ noNaN: false }).filter((d) => !Number.isInteger(d) || d <= 0).map(String),
  fc.bigInt({ min: 2n ** 31n, max: 2n ** 80n }).map(String),
  fc.integer({ min: 1, max: 99 }).map((n) => `0${n}`),
  fc.integer({ min: 1, max: 9 }).map((n) => `${n}e3`),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter((s) => !/^[1-9][0-9]{0,9}$/.test(s) && s !== '.' && s !== '..'),
);
const badConversationId = fc.oneof(
  fc.integer({ max: 0 }),
  // NaN and Infinity serialise as null, which is a valid "no conversation yet".
  fc.double({ noInteger: true, noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: 2 ** 31, max: Number.MAX_SAFE_INTEGER }),
  fc.integer({ min: 1, max: 50 }).map(String),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 2 }),
);
const extraKeys = fc.dictionary(
  fc.string({ maxLength: 10 }).filter((k) => !['title', 'description', 'completed', 'message', 'conversation_id'].includes(k)),
  fc.jsonValue({ maxDepth: 2 }),
  { maxKeys: 3 },
);

// --- bodies -------------------------------------------------------------------------------------------------------
const json = (arb: fc.Arbitrary<unknown>) => arb.map((v) => JSON.stringify(v));
const brokenJson = fc.oneof(
  fc.constantFrom('', '{', '{"title":', '{"title": "x"', "{'title': 'x'}", '{"title": "x",}', 'undefined', 'NaN', '\u0000', '{"message": "\\ud8"}'),
  fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => {
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  }),
  fc.jsonValue().map((v) => JSON.stringify({ title: v, message: v })).map((s) => s.slice(0, Math.max(1, s.length - 1))),
);
const notAnObject = json(fc.oneof(fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }), fc.integer(), anyText, fc.boolean(), fc.constant(null)));
const oversized = fc.integer({ min: 70_000, max: 200_000 }).map((n) => JSON.stringify({ title: 'x', description: 'd'.repeat(n), message: 'm'.repeat(n) }));
const malformed = [brokenJson, notAnObject, oversized];

const badCreate = fc.oneof(
  json(fc.tuple(extraKeys, badTitle).map(([o, title]) => ({ ...o, title }))),
  json(fc.tuple(extraKeys, badDescription).map(([o, description]) => ({ ...o, title: 'fine', description }))),
  json(fc.record({ description: anyText }, { requiredKeys: [] })),
  json(extraKeys),
  ...malformed,
);
const badUpdate = fc.oneof(
  json(fc.tuple(extraKeys, badTitle).map(([o, title]) => ({ ...o, title }))),
  json(fc.tuple(extraKeys, badDescription).map(([o, description]) => ({ ...o, description }))),
  json(fc.tuple(extraKeys, fc.oneof(fc.integer(), anyText, fc.constant(null))).map(([o, completed]) => ({ ...o, completed }))),
  json(extraKeys),
  ...malformed,
);
const badChat = fc.oneof(
  json(fc.tuple(extraKeys, badMessage).map(([o, msg]) => ({ ...o, message: msg }))),
  json(fc.tuple(extraKeys, badConversationId).map(([o, id]) => ({ ...o, conversation_id: id, message: 'add buy milk' }))),
  json(extraKeys),
  ...malformed,
);
const validCreate = json(fc.constant({ title: 'sneaky write' }));

// --- requests -----------------------------------------------------------------------------------------------------
function requests(): fc.Arbitrary<BadRequest> {
  const base = () => `/api/${alice.id}`;
  const asAlice = (method: string, path: fc.Arbitrary<string>, body?: fc.Arbitrary<string>) =>
    fc.tuple(path, body ?? fc.constant(undefined)).map(([p, b]): BadRequest => ({ method, path: p, body: b, as: 'alice' }));
  const idPath = (suffix = '') => badId.map((id) => `${base()}/tasks/${encodeURIComponent(id)}${suffix}`);
  const foreignTask = fc.constant(0).map(() => `${base()}/tasks/${bobTask}`);
  const route = fc.constantFrom(
    ['GET', '/tasks'],
    ['POST', '/tasks'],
    ['GET', '/tasks/1'],
    ['PUT', '/tasks/1'],
    ['DELETE', '/tasks/1'],
    ['PATCH', '/tasks/1/complete'],
    ['POST', '/chat'],
    ['GET', '/conversations'],
    ['GET', '/conversations/1'],
  );
  return fc.oneof(
    asAlice('POST', fc.constant(0).map(() => `${base()}/tasks`), badCreate),
    asAlice('PUT', fc.constant(0).map(() => `${base()}/tasks/${aliceTask}`), badUpdate),
    asAlice('PUT', idPath(), json(fc.constant({ title: 'renamed' }))),
    asAlice('PUT', foreignTask, json(fc.constant({ title: 'stolen', completed: true }))),
    asAlice('GET', idPath()),
    asAlice('DELETE', idPath()),
    asAlice('DELETE', foreignTask),
    asAlice('PATCH', idPath('/complete')),
    asAlice('PATCH', foreignTask.map((p) => `${p}/complete`)),
    asAlice('GET', badId.map((id) => `${base()}/conversations/${encodeURIComponent(id)}`)),
    asAlice('GET', fc.constant(0).map(() => `${base()}/conversations/${bobConversation}`)),
    asAlice(
      'GET',
      fc.string({ unit: 'grapheme', maxLength: 20 }).filter((s) => !['all', 'pending', 'completed'].includes(s)).map((s) => `${base()}/tasks?status=${encodeURIComponent(s)}`),
    ),
    asAlice('POST', fc.constant(0).map(() => `${base()}/chat`), badChat),
    asAlice('POST', fc.constant(0).map(() => `${base()}/chat`), json(fc.constant({ conversation_id: bobConversation, message: 'add stolen milk' }))),
    // Someone else's user id, a bad one, or no session at all: even a valid body must change nothing.
    fc.tuple(route, fc.oneof(fc.constant(bob.id), anyText.filter((s) => s !== alice.id && s.length > 0))).map(
      ([[method, path], userId]): BadRequest => ({ method, path: `/api/${encodeURIComponent(userId)}${path}`, body: method === 'POST' || method === 'PUT' ? '{"title":"x","message":"add x"}' : undefined, as: 'alice' }),
    ),
    fc.tuple(route, fc.constantFrom<'nobody' | 'forged'>('nobody', 'forged'), validCreate).map(
      ([[method, path], as, body]): BadRequest => ({ method, path: `/api/${alice.id}${path}`, body: method === 'POST' || method === 'PUT' ? body : undefined, as }),
    ),
    // Better Auth's own endpoints with malformed sign-up and sign-in bodies.
    fc
      .tuple(
        fc.constantFrom('/api/auth/sign-up/email', '/api/auth/sign-in/email'),
        fc.oneof(
          ...malformed,
          json(fc.record({ email: fc.oneof(notAString, anyText.filter((s) => !s.includes('@'))), password: fc.oneof(notAString, fc.string({ maxLength: 7 })), name: fc.oneof(notAString, anyText) }, { requiredKeys: [] })),
          json(fc.record({ email: fc.constant('fresh@example.test'), password: fc.oneof(notAString, fc.string({ maxLength: 7 }), fc.string({ minLength: 129, maxLength: 300 })), name: anyText })),
        ),
      )
      .map(([path, body]): BadRequest => ({ method: 'POST', path, body, as: 'nobody' })),
  );
}

describe('bad input', () => {
  it(`answers ${RUNS} generated malformed requests with 4xx, never calls the agent and writes nothing`, async () => {
    const before = await snapshot();
    const agentCalls = agent.calls.length;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(requests(), async (req) => {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (req.as === 'alice') Object.assign(headers, alice.headers);
        if (req.as === 'forged') headers.authorization = 'Bearer forged.token';
        const res = await t.app.request(req.path, { method: req.method, headers, body: req.body });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const text = await res.text();
        expect([400, 401, 403, 404, 413, 422], `${req.method} ${req.path} ${req.body?.slice(0, 200)} -> ${res.status} ${text.slice(0, 300)}`).toContain(res.status);
      }),
      { numRuns: RUNS, seed: Number(process.env.FC_SEED ?? Date.now() % 2 ** 31) },
    );
    expect(agent.calls.length).toBe(agentCalls);
    expect(await snapshot()).toEqual(before);
    // The generators reach every kind of rejection, not just one.
    for (const status of [400, 401, 403, 404, 413]) expect(statuses.get(status) ?? 0, `status ${status}`).toBeGreaterThan(0);
  }, 300_000);
});
