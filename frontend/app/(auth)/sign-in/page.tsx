import type { Metadata } from 'next';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { AuthForm } from '../../../components/auth-form';
import { getSession } from '../../../lib/session';

export const metadata: Metadata = { title: 'Sign in' };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function SignInPage({ searchParams }: Props) {
  const session = await getSession();
  if (session.status === 'signed-in') redirect('/');
  const { expired } = await searchParams;
  return (
    <>
      <h1>Sign in</h1>
      {expired ? (
        <p className="notice" role="status">
          Your session has expired. Please sign in again.
        </p>
      ) : null}
      {session.status === 'unreachable' ? <Unreachable /> : null}
      <AuthForm mode="sign-in" />
      <p className="auth-switch">
        New here? <Link href="/sign-up">Create an account</Link>
      </p>
    </>
  );
}

function Unreachable() {
  return (
    <p className="notice notice-error" role="alert">
      The service is unreachable right now. You can try again in a moment.
    </p>
  );
}
