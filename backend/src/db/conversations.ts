import { and, asc, desc, eq, sql, type Placeholder } from 'drizzle-orm';
import { preparedPerDatabase, type Database } from './client.js';
import { conversation, isRowId, message, type StoredToolCall } from './schema.js';

// User-scoped conversation queries for the chat API. Like the task queries, a conversation that belongs to
// someone else is indistinguishable from one that does not exist.

export type Conversation = typeof conversation.$inferSelect;
export type Message = typeof message.$inferSelect;
export interface ConversationSummary extends Conversation {
  /** The opening user message, shortened: what the conversation is about. */
  title: string;
}

const ownConversation = (id: number | Placeholder, userId: string | Placeholder) =>
  and(eq(conversation.id, id), eq(conversation.userId, userId));

/** Marks a conversation as active now; a message insert carries it, so the message and the mark are one statement. */
const touched = (db: Database, id: number | Placeholder, userId: string | Placeholder) =>
  db.$with('touched').as(
    db.update(conversation).set({ updatedAt: sql`now()` }).where(ownConversation(id, userId)).returning({ id: conversation.id }),
  );

// The values the prepared statements below take.
const param = { userId: sql.placeholder('userId'), conversationId: sql.placeholder('conversationId') };
const ownMessages = and(eq(message.conversationId, param.conversationId), eq(message.userId, param.userId));

const statements = preparedPerDatabase((db) => ({
  get: db.select().from(conversation).where(ownConversation(sql.placeholder('id'), param.userId)).prepare('conversation_get'),
  lastMessages: db
    .select()
    .from(message)
    .where(ownMessages)
    .orderBy(desc(message.id))
    .limit(sql.placeholder('limit'))
    .prepare('message_last'),
  history: db
    .select({ role: message.role, content: message.content })
    .from(message)
    .where(ownMessages)
    .orderBy(desc(message.id))
    .limit(sql.placeholder('limit'))
    .prepare('message_history'),
  // Rows of one VALUES list take their ids in order, so the reply always sorts after the question.
  saveTurn: db
    .with(touched(db, param.conversationId, param.userId))
    .insert(message)
    .values([
      { ...param, role: 'user', content: sql.placeholder('question'), createdAt: sql.placeholder('askedAt') },
      { ...param, role: 'assistant', content: sql.placeholder('answer'), toolCalls: sql.placeholder('toolCalls') },
    ])
    .returning()
    .prepare('message_save_turn'),
}));

export async function createConversation(db: Database, userId: string): Promise<Conversation> {
  const [row] = await db.insert(conversation).values({ userId }).returning();
  return row!;
}

export async function getConversation(db: Database, userId: string, id: number): Promise<Conversation | null> {
  if (!isRowId(id)) return null;
  const [row] = await statements(db).get.execute({ id, userId });
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
  const rows = await statements(db).lastMessages.execute({ conversationId, userId, limit });
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
    createdAt?: Date;
  },
): Promise<Message> {
  const [row] = await db
    .with(touched(db, input.conversationId, input.userId))
    .insert(message)
    .values({
      userId: input.userId,
      conversationId: input.conversationId,
      role: input.role,
      content: input.content,
      toolCalls: input.toolCalls ?? null,
      ...(input.createdAt ? { createdAt: input.createdAt } : {}),
    })
    .returning();
  return row!;
}

/**
 * What the agent reads of a conversation: the last `limit` messages' roles and texts, oldest first (not the stored
 * tool results, which a turn does not need and which are most of a conversation's bytes).
 */
export async function chatHistory(
  db: Database,
  userId: string,
  conversationId: number,
  limit: number,
): Promise<Pick<Message, 'role' | 'content'>[]> {
  if (!isRowId(conversationId)) return [];
  const rows = await statements(db).history.execute({ conversationId, userId, limit });
  return rows.reverse();
}

/**
 * Stores one chat turn, the user's message and the reply, and marks the conversation as active now: one statement,
 * so one commit per turn, and never a question without its answer. The question keeps the time it was asked.
 */
export async function saveTurn(
  db: Database,
  input: {
    userId: string;
    conversationId: number;
    question: string;
    askedAt: Date;
    answer: string;
    toolCalls: StoredToolCall[];
  },
): Promise<[Message, Message]> {
  const rows = await statements(db).saveTurn.execute({
    userId: input.userId,
    conversationId: input.conversationId,
    question: input.question,
    askedAt: input.askedAt,
    answer: input.answer,
    toolCalls: input.toolCalls,
  });
  return [rows[0]!, rows[1]!];
}
