// The data module: one schema and one migration history for backend and mcp_server alike.
export * as schema from './schema.js';
export { task, conversation, message, user, session, account, verification } from './schema.js';
export { openDatabase, type Database, type DatabaseHandle, type OpenDatabaseOptions } from './client.js';
export { migrateDatabase, isMigrated, migrationsFolder } from './migrate.js';
export {
  listTasks,
  createTask,
  getTask,
  updateTask,
  toggleTask,
  deleteTask,
  type Task,
  type TaskStatus,
} from './tasks.js';
export {
  createConversation,
  getConversation,
  listConversations,
  listMessages,
  chatHistory,
  addMessage,
  saveTurn,
  type Conversation,
  type ConversationSummary,
  type Message,
} from './conversations.js';
export type { StoredToolCall } from './schema.js';
