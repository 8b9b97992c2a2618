import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp, type TestUser } from '../test-app.js';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  t = await openTestApp();
  alice = await t.signUp('Alice');
  bob = await t.signUp('Bob');
});
afterAll(() => t.close());

describe('tasks API', () => {
  it('creates, lists, reads, updates, toggles and deletes a task', async () => {
    const created = await t.call(alice, 'POST', `/api/${alice.id}/tasks`, { title: '  buy milk ', description: '2 litres' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ title: 'buy milk', description: '2 litres', completed: false, user_id: alice.id });
    const id = created.body.id as number;
    expect(Number.isInteger(id)).toBe(true);

    const list = await t.call(alice, 'GET', `/api/${alice.id}/tasks`);
    expect(list.status).toBe(200);
    expect(list.body.map((x: { id: number }) => x.id)).toContain(id);

    expect((await t.call(alice, 'GET', `/api/${alice.id}/tasks/${id}`)).body.title).toBe('buy milk');

    const put = await t.call(alice, 'PUT', `/api/${alice.id}/tasks/${id}`, { title: 'buy oat milk', description: null });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ title: 'buy oat milk', description: null });

    const done = await t.call(alice, 'PATCH', `/api/${alice.id}/tasks/${id}/complete`);
    expect(done.body.completed).toBe(true);
    expect((await t.call(alice, 'GET', `/api/${alice.id}/tasks?status=completed`)).body.map((x: { id: number }) => x.id)).toEqual([id]);
    expect((await t.call(alice, 'GET', `/api/${alice.id}/tasks?status=pending`)).body).toEqual([]);
    const undone = await t.call(alice, 'PATCH', `/api/${alice.id}/tasks/${id}/complete`);
    expect(undone.body.completed).toBe(false);

    const del = await t.call(alice, 'DELETE', `/api/${alice.id}/tasks/${id}`);
    expect(del.status).toBe(200);
    expect(del.body.id).toBe(id);
    expect((await t.call(alice, 'GET', `/api/${alice.id}/tasks/${id}`)).status).toBe(404);
  });

  it('answers 401 without a session on every route', async () => {
    for (const [method, path] of routes(alice.id, 1)) {
      const res = await t.call(null, method, path, method === 'POST' || method === 'PUT' ? { title: 'x' } : undefined);
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.body.error).toBe('unauthorized');
    }
    const forged = await t.call({ ...alice, headers: { authorization: 'Bearer not-a-real-token' } }, 'GET', `/api/${alice.id}/tasks`);
    expect(forged.status).toBe(401);
  });

  it("answers 403 for another user's path on every route", async () => {
    for (const [method, path] of routes(bob.id, 1)) {
      const res = await t.call(alice, method, path, method === 'POST' || method === 'PUT' ? { title: 'x' } : undefined);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body).toMatchObject({ error: 'forbidden', field: 'user_id' });
    }
  });

  it('answers 405 with the allowed methods for a method a path does not have, and changes nothing', async () => {
    const own = (await t.call(alice, 'POST', `/api/${alice.id}/tasks`, { title: 'keep me' })).body;
    const cases: [string, string, string][] = [
      ['DELETE', `/api/${alice.id}/tasks`, 'GET, POST'],
      ['PATCH', `/api/${alice.id}/tasks/${own.id}`, 'GET, PUT, DELETE'],
      ['POST', `/api/${alice.id}/tasks/${own.id}`, 'GET, PUT, DELETE'],
      ['GET', `/api/${alice.id}/tasks/${own.id}/complete`, 'PATCH'],
      ['DELETE', `/api/${alice.id}/tasks/${own.id}/complete`, 'PATCH'],
      ['GET', `/api/${alice.id}/chat`, 'POST'],
      ['DELETE', `/api/${alice.id}/conversations`, 'GET'],
      ['PUT', `/api/${alice.id}/conversations/1`, 'GET'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await t.call(alice, method, path, method === 'GET' || method === 'DELETE' ? undefined : { title: 'changed' });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get('allow'), `${method} ${path}`).toBe(allow);
      expect(res.body.error).toBe('method_not_allowed');
    }
    expect((await t.call(alice, 'GET', `/api/${alice.id}/tasks/${own.id}`)).body).toMatchObject({ title: 'keep me', completed: false });
    // Authentication still comes first: a stranger learns nothing about the routes.
    expect((await t.call(null, 'DELETE', `/api/${alice.id}/tasks`)).status).toBe(401);
    expect((await t.call(alice, 'DELETE', `/api/${alice.id}/tasks/${own.id}`)).status).toBe(200);
  });

  it("answers 404 for a missing task or another user's task, and changes nothing", async () => {
    const bobs = (await t.call(bob, 'POST', `/api/${bob.id}/tasks`, { title: 'bob secret' })).body;
    for (const id of [bobs.id, 2_147_483_647]) {
      expect((await t.call(alice, 'GET', `/api/${alice.id}/tasks/${id}`)).status).toBe(404);
      expect((await t.call(alice, 'PUT', `/api/${alice.id}/tasks/${id}`, { title: 'mine now' })).status).toBe(404);
      expect((await t.call(alice, 'PATCH', `/api/${alice.id}/tasks/${id}/complete`)).status).toBe(404);
      const del = await t.call(alice, 'DELETE', `/api/${alice.id}/tasks/${id}`);
      expect(del.status).toBe(404);
      expect(del.body.error).toBe('not_found');
    }
    expect((await t.call(alice, 'GET', `/api/${alice.id}/tasks`)).body.map((x: { title: string }) => x.title)).not.toContain('bob secret');
    expect((await t.call(bob, 'GET', `/api/${bob.id}/tasks/${bobs.id}`)).body).toMatchObject({ title: 'bob secret', completed: false });
  });

  it('answers 400 naming the field for bad bodies, ids and filters', async () => {
    const base = `/api/${alice.id}/tasks`;
    const cases: [string, string, unknown, string][] = [
      ['POST', base, {}, 'title'],
      ['POST', base, { title: '' }, 'title'],
      ['POST', base, { title: '   ' }, 'title'],
      ['POST', base, { title: 42 }, 'title'],
      ['POST', base, { title: 'x'.repeat(201) }, 'title'],
      ['POST', base, { title: 'ok', description: 'd'.repeat(2001) }, 'description'],
      ['POST', base, { title: 'ok', description: 7 }, 'description'],
      ['POST', base, { title: 'nul\u0000' }, 'title'],
      ['POST', base, '{"title": "broken', 'body'],
      ['POST', base, '[1,2]', 'body'],
      ['POST', base, 'null', 'body'],
      ['PUT', `${base}/1`, {}, 'title'],
      ['PUT', `${base}/1`, { completed: 'yes' }, 'completed'],
      ['GET', `${base}?status=done`, undefined, 'status'],
      ['GET', `${base}/0`, undefined, 'id'],
      ['GET', `${base}/-1`, undefined, 'id'],
      ['GET', `${base}/1.5`, undefined, 'id'],
      ['GET', `${base}/abc`, undefined, 'id'],
      ['GET', `${base}/2147483648`, undefined, 'id'],
      ['DELETE', `${base}/99999999999999999999`, undefined, 'id'],
      ['PATCH', `${base}/1e3/complete`, undefined, 'id'],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await t.call(alice, method, path, body);
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect(res.body.field, `${method} ${path} ${JSON.stringify(body)}`).toBe(field);
      expect(typeof res.body.message).toBe('string');
    }
    expect((await t.call(alice, 'GET', base)).body).toEqual([]);
  });

  it('answers 413 for an oversized body', async () => {
    const res = await t.call(alice, 'POST', `/api/${alice.id}/tasks`, { title: 'x', description: 'y'.repeat(100_000) });
    expect(res.status).toBe(413);
    expect(res.body.error).toBe('payload_too_large');
  });

  it('keeps unicode intact', async () => {
    const title = 'café ☕ 牛奶 🥛'.padEnd(200, 'é');
    const res = await t.call(alice, 'POST', `/api/${alice.id}/tasks`, { title });
    expect(res.status).toBe(201);
    expect(res.body.title).toBe(title);
    await t.call(alice, 'DELETE', `/api/${alice.id}/tasks/${res.body.id}`);
  });
});

function routes(userId: string, id: number): [string, string][] {
  return [
    ['GET', `/api/${userId}/tasks`],
    ['POST', `/api/${userId}/tasks`],
    ['GET', `/api/${userId}/tasks/${id}`],
    ['PUT', `/api/${userId}/tasks/${id}`],
    ['DELETE', `/api/${userId}/tasks/${id}`],
    ['PATCH', `/api/${userId}/tasks/${id}/complete`],
    ['POST', `/api/${userId}/chat`],
    ['GET', `/api/${userId}/conversations`],
    ['GET', `/api/${userId}/conversations/${id}`],
  ];
}
