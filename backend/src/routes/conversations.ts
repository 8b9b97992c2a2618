import { Hono } from 'hono';
import { getConversation, listConversations, listMessages, type Message } from '../db/index.js';
import { methodNotAllowed, notFound } from '../errors.js';
import { parseId } from '../validation.js';
import type { AppDeps, AppEnv } from './context.js';

export function messageJson(m: Message) {
  return {
    id: m.id,
    role: m.role,
    content: m.content,
    tool_calls: m.toolCalls ?? [],
    created_at: m.createdAt.toISOString(),
  };
}

export function conversationRoutes({ db: { db } }: AppDeps) {
  return new Hono<AppEnv>()
    .get('/conversations', async (c) => {
      const rows = await listConversations(db, c.get('userId'));
      return c.json(
        rows.map((r) => ({
          id: r.id,
          title: r.title,
          created_at: r.createdAt.toISOString(),
          updated_at: r.updatedAt.toISOString(),
        })),
      );
    })
    .get('/conversations/:id', async (c) => {
      const userId = c.get('userId');
      const found = await getConversation(db, userId, parseId(c.req.param('id')));
      if (!found) throw notFound('conversation');
      const messages = await listMessages(db, userId, found.id);
      return c.json({
        id: found.id,
        created_at: found.createdAt.toISOString(),
        updated_at: found.updatedAt.toISOString(),
        messages: messages.map(messageJson),
      });
    })
    .all('/conversations', methodNotAllowed('GET'))
    .all('/conversations/:id', methodNotAllowed('GET'));
}
