import { Hono } from 'hono';
import { createTask, deleteTask, getTask, listTasks, toggleTask, updateTask, type Task } from '../db/index.js';
import { methodNotAllowed, notFound } from '../errors.js';
import { createTaskBody, jsonBody, parseId, parseWith, statusQuery, updateTaskBody } from '../validation.js';
import type { AppDeps, AppEnv } from './context.js';

export function taskJson(t: Task) {
  return {
    id: t.id,
    user_id: t.userId,
    title: t.title,
    description: t.description,
    completed: t.completed,
    created_at: t.createdAt.toISOString(),
    updated_at: t.updatedAt.toISOString(),
  };
}

export function taskRoutes({ db: { db } }: AppDeps) {
  return new Hono<AppEnv>()
    .get('/tasks', async (c) => {
      const raw = c.req.query('status');
      const status = raw === undefined ? 'all' : parseWith(statusQuery, raw, 'status');
      const tasks = await listTasks(db, c.get('userId'), status);
      return c.json(tasks.map(taskJson));
    })
    .post('/tasks', async (c) => {
      const body = parseWith(createTaskBody, await jsonBody(c));
      const created = await createTask(db, c.get('userId'), body);
      return c.json(taskJson(created), 201);
    })
    .get('/tasks/:id', async (c) => {
      const found = await getTask(db, c.get('userId'), parseId(c.req.param('id')));
      if (!found) throw notFound('task');
      return c.json(taskJson(found));
    })
    .put('/tasks/:id', async (c) => {
      const id = parseId(c.req.param('id'));
      const patch = parseWith(updateTaskBody, await jsonBody(c));
      const updated = await updateTask(db, c.get('userId'), id, patch);
      if (!updated) throw notFound('task');
      return c.json(taskJson(updated));
    })
    .delete('/tasks/:id', async (c) => {
      const deleted = await deleteTask(db, c.get('userId'), parseId(c.req.param('id')));
      if (!deleted) throw notFound('task');
      return c.json(taskJson(deleted));
    })
    .patch('/tasks/:id/complete', async (c) => {
      const toggled = await toggleTask(db, c.get('userId'), parseId(c.req.param('id')));
      if (!toggled) throw notFound('task');
      return c.json(taskJson(toggled));
    })
    .all('/tasks', methodNotAllowed('GET', 'POST'))
    .all('/tasks/:id', methodNotAllowed('GET', 'PUT', 'DELETE'))
    .all('/tasks/:id/complete', methodNotAllowed('PATCH'));
}
