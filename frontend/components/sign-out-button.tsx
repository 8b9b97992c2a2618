'use client';

import { useState } from 'react';

export function SignOutButton() {
  const [pending, setPending] = useState(false);
  async function signOut() {
    setPending(true);
    // Whatever the backend answers, leave: the server re-checks the session on the next page anyway.
    await fetch('/api/auth/sign-out', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
      credentials: 'same-origin',
    }).catch(() => null);
    window.location.assign('/sign-in');
  }
  return (
    <button type="button" className="button button-ghost" onClick={signOut} disabled={pending}>
      {pending ? 'Signing out…' : 'Sign out'}
    </button>
  );
}
