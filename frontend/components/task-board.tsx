'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { api, ApiError, errorMessage } from '../lib/api-client';
import { parseTask } from '../lib/parse';
import type { Task, TaskFilter } from '../lib/types';
import { AddTaskForm } from './add-task-form';
import { TaskItem } from './task-item';

const FILTERS: { value: TaskFilter; label: string }[] = [
  { value: 'all', label: 'All' },
  { value: 'pending', label: 'Pending' },
  { value: 'completed', label: 'Completed' },
];

const EMPTY_TEXT: Record<TaskFilter, { title: string; body: string }> = {
  all: { title: 'No tasks yet', body: 'Add one above, or ask the assistant: “add buy milk”.' },
  pending: { title: 'Nothing left to do', body: 'Every task is done. Enjoy it.' },
  completed: { title: 'Nothing completed yet', body: 'Tick a task when it’s done and it shows up here.' },
};

export type TaskActions = {
  update: (task: Task, changes: { title: string; description: string | null }) => Promise<void>;
  toggle: (task: Task) => Promise<void>;
  remove: (task: Task) => Promise<void>;
};

export function TaskBoard({ userId, tasks, filter }: { userId: string; tasks: Task[]; filter: TaskFilter }) {
  const router = useRouter();
  const [, startRefresh] = useTransition();
  // Local copy so a change shows at once; replaced by the server's list whenever that arrives (after our own
  // changes and after the assistant's).
  const [items, setItems] = useState(tasks);
  const [serverTasks, setServerTasks] = useState(tasks);
  if (tasks !== serverTasks) {
    setServerTasks(tasks);
    setItems(tasks);
  }
  const [status, setStatus] = useState<{ text: string; error: boolean } | null>(null);

  const base = `/api/${encodeURIComponent(userId)}/tasks`;

  function refresh() {
    startRefresh(() => router.refresh());
  }

  function replace(next: Task) {
    setItems((current) => current.map((t) => (t.id === next.id ? next : t)));
  }

  function fail(error: unknown) {
    setStatus({ text: errorMessage(error), error: true });
    if (error instanceof ApiError && error.status === 404) refresh();
  }

  async function add(title: string, description: string | null) {
    const created = parseTask(await api(base, { method: 'POST', body: description ? { title, description } : { title } }));
    if (created) setItems((current) => [...current, created]);
    setStatus({ text: `Added “${title}”.`, error: false });
    refresh();
  }

  const actions: TaskActions = {
    async update(task, changes) {
      try {
        const updated = parseTask(await api(`${base}/${task.id}`, { method: 'PUT', body: changes }));
        replace(updated ?? { ...task, ...changes });
        setStatus({ text: `Saved “${changes.title}”.`, error: false });
        refresh();
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 400) fail(error);
        throw error;
      }
    },
    async toggle(task) {
      try {
        const updated = parseTask(await api(`${base}/${task.id}/complete`, { method: 'PATCH' }));
        const next = updated ?? { ...task, completed: !task.completed };
        replace(next);
        setStatus({ text: next.completed ? `Completed “${task.title}”.` : `Marked “${task.title}” as not done.`, error: false });
        refresh();
      } catch (error) {
        fail(error);
      }
    },
    async remove(task) {
      try {
        await api(`${base}/${task.id}`, { method: 'DELETE' });
        setItems((current) => current.filter((t) => t.id !== task.id));
        setStatus({ text: `Deleted “${task.title}”.`, error: false });
        refresh();
      } catch (error) {
        fail(error);
      }
    },
  };

  const pending = items.filter((t) => !t.completed).length;
  const counts: Record<TaskFilter, number> = { all: items.length, pending, completed: items.length - pending };
  const visible = items.filter((t) => filter === 'all' || (filter === 'completed') === t.completed);

  return (
    <section className="panel tasks" aria-labelledby="tasks-heading">
      <div className="panel-head">
        <h1 id="tasks-heading" tabIndex={-1}>
          Tasks
        </h1>
        <span className="panel-meta">{pending === 1 ? '1 to do' : `${pending} to do`}</span>
      </div>
      <AddTaskForm onAdd={add} />
      <nav className="filters" aria-label="Filter tasks">
        {FILTERS.map((f) => (
          <Link
            key={f.value}
            href={f.value === 'all' ? '/' : `/?filter=${f.value}`}
            className="filter"
            aria-current={filter === f.value ? 'page' : undefined}
            scroll={false}
            replace
          >
            {f.label} <span className="filter-count">{counts[f.value]}</span>
          </Link>
        ))}
      </nav>
      <p className={status?.error ? 'notice notice-error' : 'visually-hidden'} role={status?.error ? 'alert' : 'status'}>
        {status?.text}
      </p>
      {visible.length === 0 ? (
        <div className="empty">
          <svg width="48" height="48" viewBox="0 0 48 48" aria-hidden="true" focusable="false">
            <rect x="8" y="6" width="32" height="36" rx="6" fill="none" stroke="currentColor" strokeWidth="2.5" />
            <path d="M16 18h16M16 26h16M16 34h9" stroke="currentColor" strokeWidth="2.5" strokeLinecap="round" />
          </svg>
          <p className="empty-title">{EMPTY_TEXT[filter].title}</p>
          <p className="empty-body">{EMPTY_TEXT[filter].body}</p>
        </div>
      ) : (
        <ul className="task-list" aria-label={`${FILTERS.find((f) => f.value === filter)?.label} tasks`}>
          {visible.map((task) => (
            <TaskItem key={task.id} task={task} actions={actions} />
          ))}
        </ul>
      )}
    </section>
  );
}
