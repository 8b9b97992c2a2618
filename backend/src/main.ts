import { EnvError, readBackendEnv } from './env.js';
import { migrateDatabase, openDatabase } from './db/index.js';
import { createLogger } from './logger.js';
import { startBackend } from './server.js';

async function main(): Promise<void> {
  const env = readBackendEnv();
  const logger = createLogger(env.LOG_LEVEL);
  const handle = await openDatabase(
    env.DATABASE_URL ? { url: env.DATABASE_URL, poolMax: env.DATABASE_POOL_MAX } : { dataDir: env.PGLITE_DIR },
  );
  // PostgreSQL is migrated once by the migrate entry (a Job in the cluster), never by each replica. An embedded
  // PGlite folder belongs to this process alone, so bringing it up to date here is safe.
  if (handle.kind === 'pglite') await migrateDatabase(handle);

  const backend = await startBackend({
    db: handle,
    port: env.PORT,
    host: env.HOST,
    betterAuthSecret: env.BETTER_AUTH_SECRET,
    betterAuthUrl: env.BETTER_AUTH_URL,
    trustedOrigins: env.TRUSTED_ORIGINS,
    mcpServerUrl: env.MCP_SERVER_URL,
    mcpToken: env.MCP_INTERNAL_TOKEN,
    openai: env.OPENAI_API_KEY
      ? { apiKey: env.OPENAI_API_KEY, baseURL: env.OPENAI_BASE_URL, model: env.OPENAI_MODEL }
      : undefined,
    agentMaxTurns: env.AGENT_MAX_TURNS,
    logger,
    drainMs: 2000,
  });
  logger.info(
    { url: backend.url, database: handle.kind, model: env.OPENAI_API_KEY ? env.OPENAI_MODEL : 'offline' },
    'backend listening',
  );

  // Kubernetes sends SIGTERM at every rollout (after the pod's preStop pause): answer for two more seconds while
  // telling clients to reconnect elsewhere, stop accepting, let in-flight requests finish, then close the pool.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    try {
      await backend.close();
      await handle.close();
      logger.info('stopped');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  if (err instanceof EnvError) console.error(`backend: ${err.message}\nsee .env.example`);
  else console.error('backend: failed to start:', err);
  process.exit(1);
});
