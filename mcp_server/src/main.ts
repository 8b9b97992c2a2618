import { isMigrated, migrateDatabase, openDatabase } from '@todo/backend/db';
import { pino } from 'pino';
import { readEnv } from './env.js';
import { startMcpServer } from './http-server.js';

async function main(): Promise<void> {
  const env = readEnv();
  const log = pino({ name: 'mcp-server', level: env.logLevel });
  const database = await openDatabase({ url: env.databaseUrl, dataDir: env.pgliteDir });
  if (database.kind === 'pglite') {
    // An embedded database belongs to this process alone, so nobody else will migrate it.
    await migrateDatabase(database);
  } else if (!(await isMigrated(database))) {
    log.warn('database schema is not migrated yet; tool calls fail until the migrate job has run');
  }
  const server = await startMcpServer({
    db: database.db,
    port: env.port,
    host: env.host,
    token: env.token,
    allowedHosts: env.allowedHosts,
    logger: log,
  });

  // Kubernetes sends SIGTERM at every rollout: finish in-flight calls, then release the pool.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await server.close();
    await database.close();
    log.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
