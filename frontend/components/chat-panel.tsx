'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useId, useRef, useState, useTransition, type FormEvent, type KeyboardEvent } from 'react';
import { api, ApiError, errorMessage } from '../lib/api-client';
import { parseMessages, parseToolCalls } from '../lib/parse';
import { describeToolCall } from '../lib/tool-calls';
import type { ChatMessage, ConversationSummary } from '../lib/types';

const SUGGESTIONS = ['add buy milk', "what's left?", 'mark buy milk done'];

type Failure = { message: string; retry: string | null };

type ChatReply = { conversation_id?: unknown; response?: unknown; tool_calls?: unknown };

export function ChatPanel({
  userId,
  conversations,
  historyUnavailable,
}: {
  userId: string;
  conversations: ConversationSummary[];
  historyUnavailable: boolean;
}) {
  const id = useId();
  const router = useRouter();
  const [, startRefresh] = useTransition();
  const [conversationId, setConversationId] = useState<number | null>(null);
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [draft, setDraft] = useState('');
  const [waiting, setWaiting] = useState(false);
  const [loading, setLoading] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [historyOpen, setHistoryOpen] = useState(false);
  const logRef = useRef<HTMLOListElement>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);

  const base = `/api/${encodeURIComponent(userId)}`;

  useEffect(() => {
    const log = logRef.current;
    if (log) log.scrollTop = log.scrollHeight;
  }, [messages, waiting, failure]);

  async function send(text: string) {
    const message = text.trim();
    if (!message || waiting) return;
    setFailure(null);
    setWaiting(true);
    setMessages((current) => [...current, { role: 'user', content: message, toolCalls: [] }]);
    setDraft('');
    try {
      const reply = await api<ChatReply>(`${base}/chat`, {
        method: 'POST',
        body: conversationId === null ? { message } : { conversation_id: conversationId, message },
      });
      if (typeof reply.conversation_id === 'number') setConversationId(reply.conversation_id);
      setMessages((current) => [
        ...current,
        { role: 'assistant', content: typeof reply.response === 'string' ? reply.response : '', toolCalls: parseToolCalls(reply.tool_calls) },
      ]);
      // The assistant may have changed tasks, and this conversation now belongs in the history list.
      startRefresh(() => router.refresh());
    } catch (error) {
      const status = error instanceof ApiError ? error.status : 0;
      const assistantFailed = error instanceof ApiError && (error.code === 'assistant_failed' || (status >= 500 && status !== 502));
      if (assistantFailed) {
        // The backend kept the message in this conversation; keep showing it and continue the same conversation.
        const kept = (error.body as { conversation_id?: unknown } | null)?.conversation_id;
        if (typeof kept === 'number') setConversationId(kept);
        setFailure({ message: 'The assistant couldn’t answer just now. Your message was kept; try again in a moment.', retry: null });
        startRefresh(() => router.refresh());
      } else {
        setMessages((current) => current.slice(0, -1));
        setDraft(message);
        setFailure({ message: errorMessage(error), retry: status >= 500 || status === 0 ? message : null });
      }
    }
    setWaiting(false);
    inputRef.current?.focus();
  }

  async function open(conversation: ConversationSummary) {
    setLoading(true);
    setFailure(null);
    try {
      const body = await api(`${base}/conversations/${conversation.id}`);
      setMessages(parseMessages(body));
      setConversationId(conversation.id);
      setHistoryOpen(false);
      inputRef.current?.focus();
    } catch (error) {
      setFailure({ message: errorMessage(error), retry: null });
    }
    setLoading(false);
  }

  function startNew() {
    setConversationId(null);
    setMessages([]);
    setFailure(null);
    setHistoryOpen(false);
    inputRef.current?.focus();
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void send(draft);
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    // Enter sends, Shift+Enter makes a new line, as in every chat.
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void send(draft);
    }
  }

  const historyId = `${id}-history`;
  return (
    <section className="panel chat" aria-labelledby="chat-heading">
      <div className="panel-head">
        <h2 id="chat-heading">Assistant</h2>
        <div className="row-end">
          <button
            type="button"
            className="button button-ghost"
            aria-expanded={historyOpen}
            aria-controls={historyId}
            onClick={() => setHistoryOpen((open) => !open)}
          >
            History{conversations.length ? ` (${conversations.length})` : ''}
          </button>
          <button type="button" className="button button-ghost" onClick={startNew} disabled={waiting}>
            New chat
          </button>
        </div>
      </div>
      <div id={historyId} className="history" hidden={!historyOpen}>
        <h3 className="history-title">Earlier conversations</h3>
        {historyUnavailable ? (
          <p className="notice notice-error">Earlier conversations can’t be loaded right now.</p>
        ) : conversations.length === 0 ? (
          <p className="muted">No earlier conversations yet.</p>
        ) : (
          <ul className="history-list">
            {conversations.map((c) => (
              <li key={c.id}>
                <button
                  type="button"
                  className="history-item"
                  onClick={() => open(c)}
                  disabled={loading}
                  aria-current={c.id === conversationId ? 'true' : undefined}
                >
                  <span className="history-preview">{c.preview ?? `Conversation ${c.id}`}</span>
                  {c.updatedAt ? (
                    <time dateTime={c.updatedAt} suppressHydrationWarning>
                      {formatWhen(c.updatedAt)}
                    </time>
                  ) : null}
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
      <ol ref={logRef} className="messages" role="log" aria-live="polite" aria-label="Conversation with the assistant" aria-busy={loading || undefined}>
        {messages.length === 0 && !waiting ? (
          <li className="chat-intro">
            <p>Ask me to add, list, complete, rename or delete tasks.</p>
            <div className="suggestions">
              {SUGGESTIONS.map((s) => (
                <button key={s} type="button" className="chip" onClick={() => send(s)}>
                  {s}
                </button>
              ))}
            </div>
          </li>
        ) : null}
        {messages.map((m, index) => (
          <li key={index} className={`bubble bubble-${m.role}`}>
            <span className="visually-hidden">{m.role === 'user' ? 'You said:' : 'Assistant:'}</span>
            {m.toolCalls.length ? (
              <ul className="tool-calls" aria-label="Actions taken">
                {m.toolCalls.map((call, i) => {
                  const line = describeToolCall(call);
                  return (
                    <li key={i} className={line.failed ? 'tool-call tool-call-failed' : 'tool-call'}>
                      <span aria-hidden="true">{line.failed ? '!' : '✓'}</span> {line.text}
                    </li>
                  );
                })}
              </ul>
            ) : null}
            <p className="bubble-text">{m.content}</p>
          </li>
        ))}
        {waiting ? (
          <li className="bubble bubble-assistant bubble-waiting">
            <span className="typing" aria-hidden="true">
              <span />
              <span />
              <span />
            </span>
            <span className="visually-hidden">The assistant is thinking…</span>
          </li>
        ) : null}
      </ol>
      {failure ? (
        <div className="notice notice-error chat-failure" role="alert">
          <span>{failure.message}</span>
          {failure.retry ? (
            <button type="button" className="button button-ghost" onClick={() => send(failure.retry ?? '')}>
              Try again
            </button>
          ) : null}
        </div>
      ) : null}
      <form className="composer" onSubmit={onSubmit}>
        <label className="visually-hidden" htmlFor={`${id}-message`}>
          Message the assistant
        </label>
        <textarea
          ref={inputRef}
          id={`${id}-message`}
          name="message"
          rows={1}
          value={draft}
          placeholder="Message the assistant…"
          onChange={(event) => setDraft(event.target.value)}
          onKeyDown={onKeyDown}
        />
        <button className="button button-primary" type="submit" disabled={waiting || !draft.trim()}>
          {waiting ? 'Sending…' : 'Send'}
        </button>
      </form>
    </section>
  );
}

function formatWhen(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return date.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}
