// With many requests pending, the work of a tick or a decision must not grow with them: every hot
// query reaches rows through an index. Checked with Postgres's own counters for the transaction
// (pg_stat_xact_user_tables): no sequential scan of requests, deliveries or outbox.
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordCallbackAttempt, recordCallbackAttempts } from '../../src/store/callbacks.js';
import { connect, runMigrations, type Db, type Sql } from '../../src/store/db.js';
import { expireOverdue } from '../../src/store/expiry.js';
import { finishJob, lockDue, lockStale } from '../../src/store/outbox.js';
import { outboxBacklog } from '../../src/store/outbox-backlog.js';
import { claimRequest, getRequest, listRequests } from '../../src/store/requests.js';
import { seedPending } from '../helpers/seed-pending.js';
import { freshDatabase } from '../helpers/services.js';

const PENDING = 50_000;
let drop: () => Promise<void>;
let db: Db;

beforeAll(async () => {
  const fresh = await freshDatabase();
  drop = () => fresh.drop();
  db = connect(fresh.url, { max: 1 });
  await runMigrations(db);
  await seedPending(db.sql, PENDING, { callbackUrl: 'http://127.0.0.1:9/hook' });
  await seedPending(db.sql, 150, { expiresInSeconds: -1, batch: 1, callbackUrl: 'http://127.0.0.1:9/hook', onTimeout: { value: 'reject' } });
}, 120_000);
afterAll(async () => {
  await db?.sql.end({ timeout: 2 });
  await drop?.();
});

/** This session's sequential scans not yet reported to the statistics (earlier transactions' included). */
async function seqScans(tx: postgres.TransactionSql): Promise<Record<string, number>> {
  const rows = await tx<{ relname: string; seq_scan: number }[]>`
    select relname, seq_scan::int from pg_stat_xact_user_tables where relname in ('requests', 'deliveries', 'outbox')`;
  return Object.fromEntries(rows.map((r) => [r.relname, r.seq_scan]));
}

/** Runs `work` in a transaction (rolled back: the seeded tables stay as they are) and returns the sequential scans it made. */
async function seqScansOf(work: (tx: Sql) => Promise<unknown>): Promise<Record<string, number>> {
  let made: Record<string, number> = {};
  await db.sql.begin(async (tx: postgres.TransactionSql) => {
    const before = await seqScans(tx);
    await work(tx as unknown as Sql);
    const after = await seqScans(tx);
    made = Object.fromEntries(Object.entries(after).map(([t, n]) => [t, n - (before[t] ?? 0)]));
    throw new Rollback();
  }).catch((err) => {
    if (!(err instanceof Rollback)) throw err;
  });
  return made;
}
class Rollback extends Error {}

const noSeqScans = { requests: 0, deliveries: 0, outbox: 0 };

describe(`hot queries with ${PENDING.toLocaleString('en-US')} pending`, () => {
  it('the relay, its recheck and the load monitor read only due rows', async () => {
    expect(await seqScansOf(async (tx) => {
      await lockDue(tx as never, 500);
      await lockStale(tx as never, 30_000, 200);
      expect(await outboxBacklog({ sql: tx, url: db.url }, 20_000)).toBe(0);
    })).toEqual(noSeqScans);
  });

  it('the expiry sweep reads only what is overdue, and writes its follow-ups through indexes', async () => {
    expect(await seqScansOf(async (tx) => {
      // One request of the first chunk has a delivery to settle (seeded ones are inline web pages): it alone queues a job.
      const [first] = await tx<{ id: string }[]>`select id from requests where state = 'pending' and expires_at <= now() order by expires_at limit 1`;
      await tx`update deliveries set inline = false where id = ${first!.id.replace(/^req_/, 'dlv_')}`;
      const chunk = await expireOverdue(tx, 100, 20_000);
      expect(chunk).toHaveLength(100);
      expect(chunk.filter((e) => e.queued > 0)).toEqual([{ id: first!.id, queued: 1 }]);
      expect(await expireOverdue(tx, 100, 20_000)).toHaveLength(50);
      expect(await expireOverdue(tx, 100, 20_000)).toHaveLength(0);
    })).toEqual(noSeqScans);
  });

  it('a decision, its webhook attempt and the first page of pending requests', async () => {
    const id = 'req_0000' + '42'.padStart(22, '0');
    expect(await seqScansOf(async (tx) => {
      const won = await claimRequest(tx, {
        id, state: 'resolved', recordResponse: true, eventType: 'request.resolved', eventData: {}, callbackBackstopMs: 20_000,
        response: { value: 'approve', comment: null, fields: {}, responder: { channel: 'api', id: 'k' }, responded_at: new Date().toISOString() },
      });
      const txDb = { sql: tx, url: db.url };
      // The claim reads back what it wrote: the same request a fresh read sees, its inline delivery settled.
      expect(won?.request.state).toBe('resolved');
      expect(won?.request.deliveries.map((d) => d.status)).toEqual(['settled']);
      expect(won?.queuedJobs).toBe(0);
      expect(await getRequest(txDb, id)).toEqual(won?.request);
      await recordCallbackAttempt(txDb, id, `msg_${id}`, { ok: true, status: 200, latencyMs: 3, error: null, gone: false }, 'delivered', undefined);
      await finishJob(txDb, `callback-${id}`);
      expect(await listRequests(txDb, { state: 'pending', limit: 50 })).toHaveLength(50);
    })).toEqual(noSeqScans);
  });

  it('a group of webhook attempts, recorded by one statement', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => 'req_0000' + String(100 + i).padStart(22, '0'));
    const ok = { ok: true, status: 200, latencyMs: 3, error: null, gone: false };
    expect(await seqScansOf(async (tx) => {
      await recordCallbackAttempts({ sql: tx, url: db.url }, ids.map((id, i) =>
        ({ requestId: id, eventId: `msg_${id}`, attempt: ok, status: i % 2 ? 'delivered' : 'pending', retryInMs: i % 2 ? undefined : 5000 })));
    })).toEqual(noSeqScans);
  });
});
