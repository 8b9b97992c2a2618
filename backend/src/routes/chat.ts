import { Hono } from 'hono';
import { addMessage, createConversation, getConversation, listMessages } from '../db/index.js';
import { ApiError, notFound } from '../errors.js';
import { chatBody, jsonBody, parseWith } from '../validation.js';
import type { AppDeps, AppEnv } from './context.js';

/** How much of a conversation the agent sees each turn: enough context, bounded cost. */
const HISTORY_LIMIT = 40;

export function chatRoutes({ db: { db }, agent }: AppDeps) {
  return new Hono<AppEnv>().post('/chat', async (c) => {
    const userId = c.get('userId');
    const body = parseWith(chatBody, await jsonBody(c));

    // Stateless turn: everything the agent knows comes from the database, so any replica can answer.
    // A new conversation has no history to read; an existing one is looked up and read at the same time (the read
    // is scoped to the user, so it returns nothing for a conversation that turns out not to be theirs).
    const [conversation, earlier] = body.conversation_id
      ? await Promise.all([
          getConversation(db, userId, body.conversation_id),
          listMessages(db, userId, body.conversation_id, HISTORY_LIMIT),
        ])
      : [await createConversation(db, userId), []];
    if (!conversation) throw notFound('conversation');
    const history = earlier.map((m) => ({ role: m.role, content: m.content }));
    await addMessage(db, { userId, conversationId: conversation.id, role: 'user', content: body.message });

    let turn;
    try {
      turn = await agent.run({ userId, history, message: body.message });
    } catch (err) {
      c.get('log').warn({ err, conversationId: conversation.id }, 'assistant failed');
      throw new ApiError(502, 'assistant_failed', 'the assistant could not answer; your message was kept, try again', {
        conversation_id: conversation.id,
      });
    }
    await addMessage(db, {
      userId,
      conversationId: conversation.id,
      role: 'assistant',
      content: turn.response,
      toolCalls: turn.toolCalls,
    });
    return c.json({ conversation_id: conversation.id, response: turn.response, tool_calls: turn.toolCalls });
  });
}
