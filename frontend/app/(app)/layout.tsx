import type { ReactNode } from 'react';
import { redirect } from 'next/navigation';
import { Logo } from '../../components/logo';
import { SignOutButton } from '../../components/sign-out-button';
import { getSession } from '../../lib/session';

export default async function AppLayout({ children }: { children: ReactNode }) {
  const session = await getSession();
  if (session.status === 'signed-out') redirect('/sign-in');
  return (
    <div className="app-shell">
      <a className="skip-link" href="#tasks-heading">
        Skip to tasks
      </a>
      <header className="app-header">
        <div className="app-brand">
          <Logo />
          <span>Todo</span>
        </div>
        {session.status === 'signed-in' ? (
          <div className="app-user">
            <span className="app-user-email" title={session.user.email}>
              {session.user.name || session.user.email}
            </span>
            <SignOutButton />
          </div>
        ) : null}
      </header>
      {children}
    </div>
  );
}
