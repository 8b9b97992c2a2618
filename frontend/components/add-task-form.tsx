'use client';

import { useId, useRef, useState, type FormEvent } from 'react';
import { ApiError, errorMessage } from '../lib/api-client';

type Problem = { message: string; field: 'title' | 'description' | null };

export function AddTaskForm({ onAdd }: { onAdd: (title: string, description: string | null) => Promise<void> }) {
  const id = useId();
  const formRef = useRef<HTMLFormElement>(null);
  const titleRef = useRef<HTMLInputElement>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [pending, setPending] = useState(false);
  const [showDetails, setShowDetails] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const title = String(form.get('title') ?? '').trim();
    const description = String(form.get('description') ?? '').trim();
    if (!title) {
      setProblem({ message: 'Give the task a title.', field: 'title' });
      titleRef.current?.focus();
      return;
    }
    setPending(true);
    setProblem(null);
    try {
      await onAdd(title, description || null);
      formRef.current?.reset();
      setShowDetails(false);
      titleRef.current?.focus();
    } catch (error) {
      const field = error instanceof ApiError && (error.field === 'title' || error.field === 'description') ? error.field : null;
      setProblem({ message: errorMessage(error), field });
    }
    setPending(false);
  }

  const errorId = `${id}-error`;
  return (
    <form ref={formRef} className="add-task" onSubmit={onSubmit} aria-label="Add a task" noValidate>
      <div className="add-task-row">
        <label className="visually-hidden" htmlFor={`${id}-title`}>
          New task title
        </label>
        <input
          ref={titleRef}
          id={`${id}-title`}
          name="title"
          placeholder="Add a task…"
          autoComplete="off"
          onChange={() => problem && setProblem(null)}
          aria-invalid={problem?.field === 'title' || undefined}
          aria-describedby={problem ? errorId : undefined}
        />
        <button className="button button-primary" type="submit" disabled={pending}>
          {pending ? 'Adding…' : 'Add'}
        </button>
      </div>
      {showDetails ? (
        <div className="field">
          <label htmlFor={`${id}-description`}>Description (optional)</label>
          <textarea
            id={`${id}-description`}
            name="description"
            rows={2}
            aria-invalid={problem?.field === 'description' || undefined}
            aria-describedby={problem ? errorId : undefined}
          />
        </div>
      ) : (
        <button type="button" className="link-button" onClick={() => setShowDetails(true)}>
          + Add a description
        </button>
      )}
      {problem ? (
        <p id={errorId} className="notice notice-error" role="alert">
          {problem.message}
        </p>
      ) : null}
    </form>
  );
}
