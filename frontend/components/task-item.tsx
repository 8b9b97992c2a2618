'use client';

import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { ApiError, errorMessage } from '../lib/api-client';
import type { Task } from '../lib/types';
import type { TaskActions } from './task-board';

export function TaskItem({ task, actions }: { task: Task; actions: TaskActions }) {
  const id = useId();
  const [editing, setEditing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<{ message: string; field: string | null } | null>(null);
  const editButton = useRef<HTMLButtonElement>(null);
  const titleInput = useRef<HTMLInputElement>(null);
  const returnFocus = useRef(false);

  useEffect(() => {
    if (editing) titleInput.current?.focus();
    else if (returnFocus.current) {
      returnFocus.current = false;
      editButton.current?.focus();
    }
  }, [editing]);

  async function run(action: () => Promise<void>) {
    setBusy(true);
    try {
      await action();
    } finally {
      setBusy(false);
    }
  }

  function stopEditing() {
    returnFocus.current = true;
    setProblem(null);
    setEditing(false);
  }

  async function onSave(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const title = String(form.get('title') ?? '').trim();
    const description = String(form.get('description') ?? '').trim();
    if (!title) {
      setProblem({ message: 'A task needs a title.', field: 'title' });
      titleInput.current?.focus();
      return;
    }
    setBusy(true);
    try {
      await actions.update(task, { title, description: description || null });
      stopEditing();
    } catch (error) {
      setProblem({ message: errorMessage(error), field: error instanceof ApiError ? error.field : null });
    }
    setBusy(false);
  }

  function onKeyDown(event: KeyboardEvent<HTMLFormElement>) {
    if (event.key === 'Escape') stopEditing();
  }

  if (editing) {
    const errorId = `${id}-error`;
    return (
      <li className="task task-editing">
        <form className="stack" onSubmit={onSave} onKeyDown={onKeyDown} aria-label={`Edit “${task.title}”`} noValidate>
          <div className="field">
            <label htmlFor={`${id}-title`}>Title</label>
            <input
              ref={titleInput}
              id={`${id}-title`}
              name="title"
              defaultValue={task.title}
              aria-invalid={problem?.field === 'title' || undefined}
              aria-describedby={problem ? errorId : undefined}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-description`}>Description</label>
            <textarea
              id={`${id}-description`}
              name="description"
              rows={3}
              defaultValue={task.description ?? ''}
              aria-invalid={problem?.field === 'description' || undefined}
              aria-describedby={problem ? errorId : undefined}
            />
          </div>
          {problem ? (
            <p id={errorId} className="notice notice-error" role="alert">
              {problem.message}
            </p>
          ) : null}
          <div className="row-end">
            <button type="button" className="button button-ghost" onClick={stopEditing} disabled={busy}>
              Cancel
            </button>
            <button type="submit" className="button button-primary" disabled={busy}>
              {busy ? 'Saving…' : 'Save'}
            </button>
          </div>
        </form>
      </li>
    );
  }

  return (
    <li className={task.completed ? 'task task-done' : 'task'} aria-busy={busy || undefined}>
      <input
        id={`${id}-done`}
        className="task-check"
        type="checkbox"
        checked={task.completed}
        disabled={busy}
        onChange={() => run(() => actions.toggle(task))}
        aria-describedby={task.description ? `${id}-description` : undefined}
      />
      <div className="task-body">
        <label className="task-title" htmlFor={`${id}-done`}>
          {task.title}
        </label>
        {task.description ? (
          <p className="task-description" id={`${id}-description`}>
            {task.description}
          </p>
        ) : null}
      </div>
      <div className="task-actions">
        <button
          ref={editButton}
          type="button"
          className="icon-button"
          onClick={() => setEditing(true)}
          disabled={busy}
          aria-label={`Edit “${task.title}”`}
          title="Edit"
        >
          <svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <path d="M4 20h4L19 9l-4-4L4 16v4z" fill="none" stroke="currentColor" strokeWidth="2" strokeLinejoin="round" />
          </svg>
        </button>
        <button
          type="button"
          className="icon-button icon-button-danger"
          onClick={() => run(() => actions.remove(task))}
          disabled={busy}
          aria-label={`Delete “${task.title}”`}
          title="Delete"
        >
          <svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <path
              d="M5 7h14M10 7V5h4v2M7 7l1 12h8l1-12"
              fill="none"
              stroke="currentColor"
              strokeWidth="2"
              strokeLinecap="round"
              strokeLinejoin="round"
            />
          </svg>
        </button>
      </div>
    </li>
  );
}
