import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { freshDatabase } from '../helpers/services.js';
import { CpuMeter, type CpuShare } from './cpu.js';
import { countdown, progress, type Cleanup } from './util.js';

export interface BaselineResult {
  connections: number;
  seconds: number;
  inserts: number;
  errors: number;
  insertsPerSec: number;
  cpu?: CpuShare;
}

/**
 * The ceiling for a durable create: a fresh database, one small table (id text primary key,
 * payload jsonb, created_at timestamptz), and `connections` postgres.js clients each running
 * autocommit INSERTs back to back for `seconds`.
 */
export async function runBaseline(seconds: number, connections: number, cleanup: Cleanup): Promise<BaselineResult> {
  progress(`baseline: fresh database, ${connections} postgres.js connections, autocommit INSERTs for ${seconds} s`);
  const db = await freshDatabase();
  cleanup.add('drop baseline database', () => db.drop());

  const clients = Array.from({ length: connections }, () => postgres(db.url, { max: 1, onnotice: () => {} }));
  const closeClients = () => Promise.all(clients.map((c) => c.end({ timeout: 2 })));
  cleanup.add('close baseline clients', closeClients);

  await clients[0]!`create table bench_rows (id text primary key, payload jsonb not null, created_at timestamptz not null default now())`;
  await Promise.all(clients.map((c) => c`select 1`)); // connect all before the clock starts

  const payload = { title: 'Deploy?', recipients: [{ channel: 'web' }] };
  let inserts = 0;
  let errors = 0;
  const meter = new CpuMeter(() => undefined);
  meter.begin();
  const started = performance.now();
  const end = started + seconds * 1000;
  const stop = countdown('baseline', seconds, () => `${inserts} inserts`);
  try {
    await Promise.all(
      clients.map(async (sql) => {
        while (performance.now() < end) {
          const id = `row_${randomBytes(13).toString('hex')}`;
          try {
            await sql`insert into bench_rows (id, payload) values (${id}, ${sql.json(payload)})`;
            inserts++;
          } catch {
            errors++;
          }
        }
      }),
    );
  } finally {
    stop();
  }
  const elapsed = (performance.now() - started) / 1000;
  const cpu = meter.end();
  const [row] = await clients[0]!<{ n: number }[]>`select count(*)::int as n from bench_rows`;
  if (row?.n !== inserts) progress(`baseline: warning: ${inserts} inserts acknowledged but ${row?.n} rows in the table`);
  await closeClients();
  return { connections, seconds: round(elapsed, 2), inserts, errors, insertsPerSec: Math.round(inserts / elapsed), cpu };
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;
