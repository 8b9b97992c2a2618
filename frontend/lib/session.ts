import { cache } from 'react';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { backendUrl } from './backend-url';
import type { SessionUser } from './types';

export type SessionState =
  | { status: 'signed-in'; user: SessionUser }
  | { status: 'signed-out' }
  | { status: 'unreachable' };

async function incomingCookie(): Promise<string | null> {
  return (await headers()).get('cookie');
}

// Asks the backend who the caller is with the caller's own cookies; memoized for one render pass only, so
// every request (and every data access in it) is checked afresh.
export const getSession = cache(async (): Promise<SessionState> => {
  const cookie = await incomingCookie();
  if (!cookie) return { status: 'signed-out' };
  let response: Response;
  try {
    response = await fetch(`${backendUrl()}/api/auth/get-session`, { headers: { cookie }, cache: 'no-store' });
  } catch {
    return { status: 'unreachable' };
  }
  if (response.status === 401 || response.status === 403) return { status: 'signed-out' };
  if (!response.ok) return { status: 'unreachable' };
  const body = (await response.json().catch(() => null)) as { user?: Partial<SessionUser> } | null;
  const user = body?.user;
  if (!user || typeof user.id !== 'string') return { status: 'signed-out' };
  return {
    status: 'signed-in',
    user: { id: user.id, email: user.email ?? '', name: user.name ?? '' },
  };
});

export type BackendResult = { status: 'ok'; body: unknown } | { status: 'unreachable' };

// Server-side read of the caller's data: re-checks the session first and sends the caller's cookies, so the
// backend applies its own authorization too. Signed-out or expired callers go to sign-in.
export async function readForUser(path: (user: SessionUser) => string): Promise<BackendResult> {
  const session = await getSession();
  if (session.status === 'signed-out') redirect('/sign-in');
  if (session.status === 'unreachable') return { status: 'unreachable' };
  const cookie = (await incomingCookie()) ?? '';
  let response: Response;
  try {
    response = await fetch(`${backendUrl()}${path(session.user)}`, { headers: { cookie }, cache: 'no-store' });
  } catch {
    return { status: 'unreachable' };
  }
  if (response.status === 401) redirect('/sign-in?expired=1');
  if (!response.ok) return { status: 'unreachable' };
  return { status: 'ok', body: await response.json().catch(() => null) };
}
