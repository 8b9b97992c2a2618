import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import type { DatabaseHandle } from './client.js';

// The migrations folder sits beside the sources in the repository and beside the bundle in an image.
const candidates = ['../../drizzle', '../drizzle', './drizzle'].map((p) => fileURLToPath(new URL(p, import.meta.url)));

export function migrationsFolder(): string {
  const found = candidates.find((dir) => existsSync(`${dir}/meta/_journal.json`));
  if (!found) throw new Error(`drizzle migrations not found; looked in ${candidates.join(', ')}`);
  return found;
}

export async function migrateDatabase(handle: DatabaseHandle): Promise<void> {
  const config = { migrationsFolder: migrationsFolder() };
  if (handle.kind === 'pglite') await migratePglite(handle.db as PgliteDatabase<never>, config);
  else await migratePg(handle.db as NodePgDatabase<never>, config);
}

/** True when every migration in the journal has been applied to this database. */
export async function isMigrated(handle: DatabaseHandle): Promise<boolean> {
  const journal = JSON.parse(readFileSync(`${migrationsFolder()}/meta/_journal.json`, 'utf8')) as {
    entries: { when: number }[];
  };
  const latest = Math.max(...journal.entries.map((e) => e.when));
  // Both drivers answer `execute` with `{ rows }`; the shared database type leaves the result untyped.
  const exists = (await handle.db.execute(
    sql`select to_regclass('drizzle.__drizzle_migrations') is not null as present`,
  )) as unknown as { rows: { present: boolean }[] };
  if (!exists.rows[0]?.present) return false;
  const applied = (await handle.db.execute(
    sql`select max(created_at)::text as latest from drizzle.__drizzle_migrations`,
  )) as unknown as { rows: { latest: string | null }[] };
  return Number(applied.rows[0]?.latest ?? 0) >= latest;
}
