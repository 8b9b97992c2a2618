import type { Metadata } from 'next';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { AuthForm } from '../../../components/auth-form';
import { getSession } from '../../../lib/session';

export const metadata: Metadata = { title: 'Create account' };

export default async function SignUpPage() {
  const session = await getSession();
  if (session.status === 'signed-in') redirect('/');
  return (
    <>
      <h1>Create your account</h1>
      {session.status === 'unreachable' ? (
        <p className="notice notice-error" role="alert">
          The service is unreachable right now. You can try again in a moment.
        </p>
      ) : null}
      <AuthForm mode="sign-up" />
      <p className="auth-switch">
        Already have an account? <Link href="/sign-in">Sign in</Link>
      </p>
    </>
  );
}
