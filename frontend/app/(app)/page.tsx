import type { Metadata } from 'next';
import { ChatPanel } from '../../components/chat-panel';
import { TaskBoard } from '../../components/task-board';
import { getSession, readForUser } from '../../lib/session';
import { parseConversations, parseTasks } from '../../lib/parse';
import type { TaskFilter } from '../../lib/types';

export const metadata: Metadata = { title: 'Your tasks' };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

function asFilter(value: string | string[] | undefined): TaskFilter {
  return value === 'pending' || value === 'completed' ? value : 'all';
}

export default async function HomePage({ searchParams }: Props) {
  const [tasks, conversations, session] = await Promise.all([
    readForUser((user) => `/api/${encodeURIComponent(user.id)}/tasks`),
    readForUser((user) => `/api/${encodeURIComponent(user.id)}/conversations`),
    getSession(),
  ]);
  if (session.status !== 'signed-in' || tasks.status === 'unreachable') {
    return (
      <main className="unavailable" id="main">
        <h1 id="tasks-heading">We can’t reach the service</h1>
        <p role="alert">Your tasks are safe, but the service is unreachable right now. Try again in a moment.</p>
        <a className="button button-primary" href="/">
          Try again
        </a>
      </main>
    );
  }
  const filter = asFilter((await searchParams)['filter']);
  return (
    <main className="workspace" id="main">
      <TaskBoard userId={session.user.id} tasks={parseTasks(tasks.body)} filter={filter} />
      <ChatPanel
        userId={session.user.id}
        conversations={conversations.status === 'ok' ? parseConversations(conversations.body) : []}
        historyUnavailable={conversations.status !== 'ok'}
      />
    </main>
  );
}
