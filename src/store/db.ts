import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';

export type Sql = postgres.Sql;

/**
 * The database handle every query function takes first. Queries are postgres.js; drizzle owns the
 * schema (src/store/schema.ts) and the migrations, on a client of its own: drizzle replaces its
 * client's JSON serializers, which would break postgres.js's sql.json() on a shared one.
 */
export interface Db {
  sql: Sql;
  url: string;
}

/** `max`: connections in the pool (SWITCHBOARD_DB_POOL_SIZE for the server). */
export function connect(url: string, opts: { max?: number } = {}): Db {
  const sql = postgres(url, {
    max: opts.max ?? 8,
    onnotice: () => {},
    connection: { application_name: 'switchboard' },
  });
  return { sql, url };
}

/** migrations/ sits at the package root, both when run from src/ and from dist/src/. */
export function migrationsFolder(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'migrations');
    if (existsSync(join(candidate, 'meta', '_journal.json'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('migrations folder not found next to the package');
}

/** Applies pending migrations; an advisory lock keeps several processes starting at once from racing. */
export async function runMigrations(db: Db): Promise<void> {
  const one = postgres(db.url, { max: 1, onnotice: () => {} });
  try {
    await one`select pg_advisory_lock(727274)`;
    await migrate(drizzle(one), { migrationsFolder: migrationsFolder() });
  } finally {
    await one.end({ timeout: 5 });
  }
}
