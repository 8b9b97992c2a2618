import { and, asc, eq, not, sql } from 'drizzle-orm';
import { preparedPerDatabase, type Database } from './client.js';
import { isRowId, task } from './schema.js';

// User-scoped task queries shared by the REST API and the MCP tools. Every query filters by the caller's
// user id, so a task id that belongs to someone else behaves exactly like one that does not exist.

export type Task = typeof task.$inferSelect;
export type TaskStatus = 'all' | 'pending' | 'completed';

const ownTask = and(eq(task.id, sql.placeholder('id')), eq(task.userId, sql.placeholder('userId')));

const statements = preparedPerDatabase((db) => ({
  listAll: db
    .select()
    .from(task)
    .where(eq(task.userId, sql.placeholder('userId')))
    .orderBy(asc(task.id))
    .prepare('task_list_all'),
  listByCompleted: db
    .select()
    .from(task)
    .where(and(eq(task.userId, sql.placeholder('userId')), eq(task.completed, sql.placeholder('completed'))))
    .orderBy(asc(task.id))
    .prepare('task_list_by_completed'),
  create: db
    .insert(task)
    .values({ userId: sql.placeholder('userId'), title: sql.placeholder('title'), description: sql.placeholder('description') })
    .returning()
    .prepare('task_create'),
  get: db.select().from(task).where(ownTask).prepare('task_get'),
  setCompleted: db
    .update(task)
    .set({ completed: sql.placeholder('completed') as unknown as boolean })
    .where(ownTask)
    .returning()
    .prepare('task_set_completed'),
  toggle: db.update(task).set({ completed: not(task.completed) }).where(ownTask).returning().prepare('task_toggle'),
  delete: db.delete(task).where(ownTask).returning().prepare('task_delete'),
}));

export async function listTasks(db: Database, userId: string, status: TaskStatus = 'all'): Promise<Task[]> {
  const { listAll, listByCompleted } = statements(db);
  return status === 'all'
    ? listAll.execute({ userId })
    : listByCompleted.execute({ userId, completed: status === 'completed' });
}

export async function createTask(
  db: Database,
  userId: string,
  input: { title: string; description?: string | null },
): Promise<Task> {
  const [row] = await statements(db).create.execute({ userId, title: input.title, description: input.description ?? null });
  return row!;
}

export async function getTask(db: Database, userId: string, id: number): Promise<Task | null> {
  if (!isRowId(id)) return null;
  const [row] = await statements(db).get.execute({ id, userId });
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
  if (patch.title === undefined && patch.description === undefined) {
    // Marking done (complete_task, the checkbox) is the common update.
    const [row] = await statements(db).setCompleted.execute({ id, userId, completed: patch.completed });
    return row ?? null;
  }
  // Which columns change varies per call, so this one is built each time.
  const [row] = await db
    .update(task)
    .set(patch)
    .where(and(eq(task.id, id), eq(task.userId, userId)))
    .returning();
  return row ?? null;
}

export async function toggleTask(db: Database, userId: string, id: number): Promise<Task | null> {
  if (!isRowId(id)) return null;
  const [row] = await statements(db).toggle.execute({ id, userId });
  return row ?? null;
}

export async function deleteTask(db: Database, userId: string, id: number): Promise<Task | null> {
  if (!isRowId(id)) return null;
  const [row] = await statements(db).delete.execute({ id, userId });
  return row ?? null;
}
