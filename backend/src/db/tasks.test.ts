import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from './testing.js';
import { user } from './schema.js';
import { createTask, deleteTask, getTask, isMigrated, listTasks, toggleTask, updateTask, type DatabaseHandle } from './index.js';

let handle: DatabaseHandle;

beforeAll(async () => {
  handle = await openTestDatabase();
  await handle.db.insert(user).values([
    { id: 'alice', name: 'Alice', email: 'alice@example.test' },
    { id: 'bob', name: 'Bob', email: 'bob@example.test' },
  ]);
});
afterAll(() => handle.close());

describe('task queries', () => {
  it('reports the schema as migrated', async () => {
    expect(await isMigrated(handle)).toBe(true);
  });

  it('creates, lists by status, toggles, updates and deletes within one user', async () => {
    const milk = await createTask(handle.db, 'alice', { title: 'buy milk' });
    const bread = await createTask(handle.db, 'alice', { title: 'buy bread', description: 'rye' });
    expect(milk.id).toBeGreaterThan(0);
    expect(bread.description).toBe('rye');

    expect((await toggleTask(handle.db, 'alice', milk.id))?.completed).toBe(true);
    expect((await listTasks(handle.db, 'alice', 'completed')).map((t) => t.title)).toEqual(['buy milk']);
    expect((await listTasks(handle.db, 'alice', 'pending')).map((t) => t.title)).toEqual(['buy bread']);

    const renamed = await updateTask(handle.db, 'alice', bread.id, { title: 'buy sourdough' });
    expect(renamed?.title).toBe('buy sourdough');
    expect(renamed!.updatedAt.getTime()).toBeGreaterThanOrEqual(bread.updatedAt.getTime());

    expect((await deleteTask(handle.db, 'alice', milk.id))?.title).toBe('buy milk');
    expect(await getTask(handle.db, 'alice', milk.id)).toBeNull();
  });

  it("never reads or changes another user's task", async () => {
    const secret = await createTask(handle.db, 'alice', { title: 'alice only' });
    expect(await getTask(handle.db, 'bob', secret.id)).toBeNull();
    expect(await updateTask(handle.db, 'bob', secret.id, { title: 'hijacked' })).toBeNull();
    expect(await toggleTask(handle.db, 'bob', secret.id)).toBeNull();
    expect(await deleteTask(handle.db, 'bob', secret.id)).toBeNull();
    expect(await listTasks(handle.db, 'bob')).toEqual([]);
    expect((await getTask(handle.db, 'alice', secret.id))?.title).toBe('alice only');
  });

  it('answers null for ids that cannot exist instead of failing the query', async () => {
    for (const id of [0, -1, 1.5, 2 ** 31, Number.MAX_SAFE_INTEGER, Number.NaN]) {
      expect(await getTask(handle.db, 'alice', id)).toBeNull();
      expect(await deleteTask(handle.db, 'alice', id)).toBeNull();
    }
  });
});
