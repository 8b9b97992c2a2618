import { and, asc, eq, not } from 'drizzle-orm';
import type { Database } from './client.js';
import { task } from './schema.js';

// User-scoped task queries shared by the REST API and the MCP tools. Every query filters by the caller's
// user id, so a task id that belongs to someone else behaves exactly like one that does not exist.

export type Task = typeof task.$inferSelect;
export type TaskStatus = 'all' | 'pending' | 'completed';

const MAX_ID = 2_147_483_647;

/** Ids are int4 in the database: anything else cannot name a row, and must not reach the query. */
function isRowId(id: number): boolean {
  return Number.isSafeInteger(id) && id >= 1 && id <= MAX_ID;
}

export async function listTasks(db: Database, userId: string, status: TaskStatus = 'all'): Promise<Task[]> {
  const byUser = eq(task.userId, userId);
  const where =
    status === 'all' ? byUser : and(byUser, eq(task.completed, status === 'completed'));
  return db.select().from(task).where(where).orderBy(asc(task.id));
}

export async function createTask(
  db: Database,
  userId: string,
  input: { title: string; description?: string | null },
): Promise<Task> {
  const [row] = await db
    .insert(task)
    .values({ userId, title: input.title, description: input.description ?? null })
    .returning();
  return row!;
}

export async function getTask(db: Database, userId: string, id: number): Promise<Task | null> {
  if (!isRowId(id)) return null;
  const [row] = await db
    .select()
    .from(task)
    .where(and(eq(task.id, id), eq(task.userId, userId)));
  return row ?? null;
}

export async function updateTask(
  db: Database,
  userId: string,
  id: number,
  patch: { title?: string; description?: string | null; completed?: boolean },
): Promise<Task | null> {
  if (!isRowId(id)) return null;
  if (patch.title === undefined && patch.description === undefined && patch.completed === undefined) {
    return getTask(db, userId, id);
  }
  const [row] = await db
    .update(task)
    .set(patch)
    .where(and(eq(task.id, id), eq(task.userId, userId)))
    .returning();
  return row ?? null;
}

export async function toggleTask(db: Database, userId: string, id: number): Promise<Task | null> {
  if (!isRowId(id)) return null;
  const [row] = await db
    .update(task)
    .set({ completed: not(task.completed) })
    .where(and(eq(task.id, id), eq(task.userId, userId)))
    .returning();
  return row ?? null;
}

export async function deleteTask(db: Database, userId: string, id: number): Promise<Task | null> {
  if (!isRowId(id)) return null;
  const [row] = await db
    .delete(task)
    .where(and(eq(task.id, id), eq(task.userId, userId)))
    .returning();
  return row ?? null;
}
