import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type DatabaseHandle } from './client.js';
import { migrateDatabase } from './migrate.js';

/**
 * A fresh, migrated database for one test file: PGlite in memory, or, when TEST_POSTGRES_URL names a PostgreSQL
 * server, a new database on it that `close()` drops again.
 */
export interface TestDatabase extends DatabaseHandle {
  /** The connection string of the test database on a server, for services started as separate processes. */
  url?: string;
}

export async function openTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_POSTGRES_URL;
  if (!serverUrl) {
    const handle = await openDatabase();
    await migrateDatabase(handle);
    return handle;
  }
  const name = `todo_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(serverUrl, `create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ url: url.toString() });
  await migrateDatabase(handle);
  return {
    ...handle,
    url: url.toString(),
    close: async () => {
      await handle.close();
      await adminQuery(serverUrl, `drop database if exists ${name} with (force)`);
    },
  };
}

/** The connection string of a test database, for tests that start services as separate processes. */
export function testDatabaseKind(): 'pglite' | 'postgres' {
  return process.env.TEST_POSTGRES_URL ? 'postgres' : 'pglite';
}

async function adminQuery(serverUrl: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
