import { cleanEnv, str } from 'envalid';
import { openDatabase } from './client.js';
import { isMigrated, migrateDatabase } from './migrate.js';

// The `migrate` entry: applies every pending migration and exits; the cluster runs it as a Job before any rollout.
// It reads only where the database is, so it is configured separately from the services.

async function main(): Promise<void> {
  const present = Object.fromEntries(Object.entries(process.env).filter(([, v]) => v));
  const env = cleanEnv(present, {
    DATABASE_URL: str({ default: undefined }),
    PGLITE_DIR: str({ default: '.data/pglite' }),
  });
  const handle = await openDatabase(env.DATABASE_URL ? { url: env.DATABASE_URL, poolMax: 1 } : { dataDir: env.PGLITE_DIR });
  try {
    const started = Date.now();
    const before = await isMigrated(handle);
    await migrateDatabase(handle);
    if (!(await isMigrated(handle))) throw new Error('migrations ran but the journal is still ahead of the database');
    const target = env.DATABASE_URL ? 'postgres' : `pglite at ${env.PGLITE_DIR}`;
    console.log(
      JSON.stringify({
        level: 'info',
        msg: before ? 'database already up to date' : 'migrations applied',
        database: target,
        ms: Date.now() - started,
      }),
    );
  } finally {
    await handle.close();
  }
}

main().catch((err: unknown) => {
  // drizzle wraps driver errors ("Failed query: ..."); the cause says why (refused, wrong password, TLS).
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : undefined;
  const error = err instanceof Error ? err.message.split('\n')[0] : String(err);
  console.error(JSON.stringify({ level: 'error', msg: 'migration failed', error, cause }));
  process.exit(1);
});
