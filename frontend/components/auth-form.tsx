'use client';

import { useId, useState, type FormEvent } from 'react';
import { parseProblem } from '../lib/parse';

type Mode = 'sign-in' | 'sign-up';
type FieldName = 'name' | 'email' | 'password';

const MIN_PASSWORD = 8;

export function AuthForm({ mode }: { mode: Mode }) {
  const id = useId();
  const [error, setError] = useState<{ message: string; field: FieldName | null } | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get('email') ?? '').trim();
    const password = String(form.get('password') ?? '');
    const name = String(form.get('name') ?? '').trim();
    if (mode === 'sign-up' && password.length < MIN_PASSWORD) {
      setError({ message: `Use at least ${MIN_PASSWORD} characters for the password.`, field: 'password' });
      return;
    }
    setPending(true);
    setError(null);
    const body = mode === 'sign-up' ? { name: name || email.split('@')[0], email, password } : { email, password };
    try {
      const response = await fetch(`/api/auth/${mode}/email`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        credentials: 'same-origin',
      });
      if (response.ok) {
        // A full navigation so the server renders the signed-in app with the new session cookie.
        window.location.assign('/');
        return;
      }
      const problem = parseProblem(await response.json().catch(() => null), describeStatus(mode, response.status));
      const message = response.status >= 500 ? describeStatus(mode, response.status) : problem.message;
      setError({ message, field: asField(problem.field) ?? guessField(message) });
    } catch {
      setError({ message: 'No connection. Check your network and try again.', field: null });
    }
    setPending(false);
  }

  const errorId = `${id}-error`;
  const describedBy = (field: FieldName) => (error && (error.field === field || error.field === null) ? errorId : undefined);
  const invalid = (field: FieldName) => error?.field === field || undefined;

  return (
    <form className="stack" onSubmit={onSubmit} noValidate={false} aria-busy={pending}>
      {mode === 'sign-up' ? (
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input id={`${id}-name`} name="name" autoComplete="name" aria-invalid={invalid('name')} aria-describedby={describedBy('name')} />
        </div>
      ) : null}
      <div className="field">
        <label htmlFor={`${id}-email`}>Email</label>
        <input
          id={`${id}-email`}
          name="email"
          type="email"
          autoComplete="email"
          required
          aria-invalid={invalid('email')}
          aria-describedby={describedBy('email')}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-password`}>Password</label>
        <input
          id={`${id}-password`}
          name="password"
          type="password"
          autoComplete={mode === 'sign-up' ? 'new-password' : 'current-password'}
          required
          minLength={mode === 'sign-up' ? MIN_PASSWORD : undefined}
          aria-invalid={invalid('password')}
          aria-describedby={describedBy('password')}
        />
        {mode === 'sign-up' ? <p className="hint">At least {MIN_PASSWORD} characters.</p> : null}
      </div>
      {error ? (
        <p id={errorId} className="notice notice-error" role="alert">
          {error.message}
        </p>
      ) : null}
      <button className="button button-primary" type="submit" disabled={pending}>
        {pending ? (mode === 'sign-in' ? 'Signing in…' : 'Creating account…') : mode === 'sign-in' ? 'Sign in' : 'Create account'}
      </button>
    </form>
  );
}

function describeStatus(mode: Mode, status: number): string {
  if (status >= 500) return 'The service is unreachable right now. Try again in a moment.';
  if (status === 401) return 'That email and password do not match an account.';
  return mode === 'sign-in' ? 'Could not sign you in.' : 'Could not create the account.';
}

function asField(field: string | null): FieldName | null {
  return field === 'name' || field === 'email' || field === 'password' ? field : null;
}

function guessField(message: string): FieldName | null {
  const lower = message.toLowerCase();
  if (lower.includes('password')) return 'password';
  if (lower.includes('email') || lower.includes('user already exists')) return 'email';
  return null;
}
