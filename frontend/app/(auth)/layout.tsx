import type { ReactNode } from 'react';
import { Logo } from '../../components/logo';

export default function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <main className="auth-shell">
      <div className="auth-card">
        <div className="auth-brand">
          <Logo />
          <span>Todo</span>
        </div>
        {children}
      </div>
      <p className="auth-footnote">Keep a list. Ask the assistant to keep it for you.</p>
    </main>
  );
}
