import { Hono } from 'hono';
import { addMessage, chatHistory, createConversation, getConversation, saveTurn } from '../db/index.js';
import { ApiError, methodNotAllowed, notFound } from '../errors.js';
import { chatBody, jsonBody, parseWith } from '../validation.js';
import type { AppDeps, AppEnv } from './context.js';

/** How much of a conversation the agent sees each turn: enough context, bounded cost. */
const HISTORY_LIMIT = 40;

export function chatRoutes({ db: { db }, agent }: AppDeps) {
  return new Hono<AppEnv>()
    .post('/chat', async (c) => {
      const askedAt = new Date();
      const userId = c.get('userId');
      const body = parseWith(chatBody, await jsonBody(c));

      // Stateless turn: everything the agent knows comes from the database, so any replica can answer.
      // An existing conversation is looked up and read at the same time (the read is scoped to the user, so it
      // returns nothing for a conversation that turns out not to be theirs); a new one has no history to read.
      const [existing, history] = body.conversation_id
        ? await Promise.all([
            getConversation(db, userId, body.conversation_id),
            chatHistory(db, userId, body.conversation_id, HISTORY_LIMIT),
          ])
        : [undefined, []];
      if (existing === null) throw notFound('conversation');

      let turn;
      try {
        turn = await agent.run({ userId, history, message: body.message });
      } catch (err) {
        // The question is kept, so the conversation shows what went unanswered.
        const conversationId = existing?.id ?? (await createConversation(db, userId)).id;
        await addMessage(db, { userId, conversationId, role: 'user', content: body.message, createdAt: askedAt });
        c.get('log').warn({ err, conversationId }, 'assistant failed');
        throw new ApiError(502, 'assistant_failed', 'the assistant could not answer; your message was kept, try again', {
          conversation_id: conversationId,
        });
      }
      // The turn is written once it is answered: one commit for the question and the reply together.
      const conversationId = existing?.id ?? (await createConversation(db, userId)).id;
      await saveTurn(db, {
        userId,
        conversationId,
        question: body.message,
        askedAt,
        answer: turn.response,
        toolCalls: turn.toolCalls,
      });
      return c.json({ conversation_id: conversationId, response: turn.response, tool_calls: turn.toolCalls });
    })
    .all('/chat', methodNotAllowed('POST'));
}
