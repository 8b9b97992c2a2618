import type { Auth } from '../auth.js';
import type { DatabaseHandle } from '../db/index.js';
import type { Logger } from '../logger.js';
import type { ChatAgent } from './chat-agent.js';

export interface AppDeps {
  db: DatabaseHandle;
  auth: Auth;
  agent: ChatAgent;
  logger: Logger;
}

/** Hono context variables set by the app's middleware. */
export interface AppEnv {
  Variables: {
    requestId: string;
    log: Logger;
    /** The signed-in caller; set only under /api/:user_id after the user check. */
    userId: string;
  };
}
