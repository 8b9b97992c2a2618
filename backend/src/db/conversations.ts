import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { Database } from './client.js';
import { conversation, message, type StoredToolCall } from './schema.js';

// User-scoped conversation queries for the chat API. Like the task queries, a conversation that belongs to
// someone else is indistinguishable from one that does not exist.

export type Conversation = typeof conversation.$inferSelect;
export type Message = typeof message.$inferSelect;
export interface ConversationSummary extends Conversation {
  /** The opening user message, shortened: what the conversation is about. */
  title: string;
}

const MAX_ID = 2_147_483_647;
const isRowId = (id: number) => Number.isSafeInteger(id) && id >= 1 && id <= MAX_ID;

export async function createConversation(db: Database, userId: string): Promise<Conversation> {
  const [row] = await db.insert(conversation).values({ userId }).returning();
  return row!;
}

export async function getConversation(db: Database, userId: string, id: number): Promise<Conversation | null> {
  if (!isRowId(id)) return null;
  const [row] = await db
    .select()
    .from(conversation)
    .where(and(eq(conversation.id, id), eq(conversation.userId, userId)));
  return row ?? null;
}

/** Most recently active first. */
export async function listConversations(db: Database, userId: string, limit = 100): Promise<ConversationSummary[]> {
  const opening = db
    .select({ content: sql<string>`left(${message.content}, 80)` })
    .from(message)
    .where(and(eq(message.conversationId, conversation.id), eq(message.role, 'user')))
    .orderBy(asc(message.id))
    .limit(1);
  const rows = await db
    .select({
      id: conversation.id,
      userId: conversation.userId,
      createdAt: conversation.createdAt,
      updatedAt: conversation.updatedAt,
      title: sql<string | null>`(${opening})`,
    })
    .from(conversation)
    .where(eq(conversation.userId, userId))
    .orderBy(desc(conversation.updatedAt), desc(conversation.id))
    .limit(limit);
  return rows.map((r) => ({ ...r, title: r.title ?? '' }));
}

/** The last `limit` messages of a conversation, oldest first. */
export async function listMessages(
  db: Database,
  userId: string,
  conversationId: number,
  limit = 1000,
): Promise<Message[]> {
  if (!isRowId(conversationId)) return [];
  const rows = await db
    .select()
    .from(message)
    .where(and(eq(message.conversationId, conversationId), eq(message.userId, userId)))
    .orderBy(desc(message.id))
    .limit(limit);
  return rows.reverse();
}

/** Appends a message and marks the conversation as active now, in one statement (one commit per message). */
export async function addMessage(
  db: Database,
  input: {
    userId: string;
    conversationId: number;
    role: 'user' | 'assistant';
    content: string;
    toolCalls?: StoredToolCall[];
  },
): Promise<Message> {
  const touched = db.$with('touched').as(
    db
      .update(conversation)
      .set({ updatedAt: sql`now()` })
      .where(and(eq(conversation.id, input.conversationId), eq(conversation.userId, input.userId)))
      .returning({ id: conversation.id }),
  );
  const [row] = await db
    .with(touched)
    .insert(message)
    .values({
      userId: input.userId,
      conversationId: input.conversationId,
      role: input.role,
      content: input.content,
      toolCalls: input.toolCalls ?? null,
    })
    .returning();
  return row!;
}
