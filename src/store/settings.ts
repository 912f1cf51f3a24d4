import type { Db } from './db.js';

/** Returns the stored value, generating and storing it first if absent (race-safe across processes). */
export async function getOrCreateSetting(db: Db, key: string, generate: () => string): Promise<{ value: string; created: boolean }> {
  const candidate = generate();
  const inserted = await db.sql`insert into settings (key, value) values (${key}, ${candidate}) on conflict (key) do nothing returning key`;
  if (inserted.length > 0) return { value: candidate, created: true };
  const [row] = await db.sql<{ value: string }[]>`select value from settings where key = ${key}`;
  return { value: row!.value, created: false };
}
