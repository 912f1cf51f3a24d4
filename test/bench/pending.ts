import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import { seedPending } from '../helpers/seed-pending.js';
import { freshDatabase } from '../helpers/services.js';
import { CpuMeter } from './cpu.js';
import { startHubProcess, type HubProcess } from './hub-process.js';
import { gcProbe, heapAfterGc } from './hub-metrics.js';
import { progress, sleep, summarize, type Cleanup, type Summary } from './util.js';

/** One hub start on a database holding `pending` pending requests. */
export interface PendingRun {
  pending: number;
  /** Spawn → /readyz answering (includes loading the code with tsx). */
  startupSeconds: number;
  /** After the measurements below, and the highest it reached. */
  rssMb: number;
  rssPeakMb: number;
  heapAfterGcMb: number;
  /** GET /v1/requests?state=pending&limit=50, one at a time. */
  listMs: Summary;
  /** POST …/responses on a fresh request, one at a time. */
  decisionMs: Summary;
  /** The hub's CPU while idle (relay, sweeps, timers) over a few seconds, in cores. */
  idleCpuCores: number;
}

export interface PendingResult {
  empty: PendingRun;
  full: PendingRun;
  seedSeconds: number;
  /** EXPLAIN of the hot reads with `full.pending` pending (bench diagnostics). */
  plans: Record<string, string>;
}

const SAMPLES = 100;

async function timed(n: number, fn: (i: number) => Promise<void>): Promise<Summary> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    samples.push(performance.now() - t0);
  }
  return summarize(samples);
}

const statusKb = (pid: number, field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);

async function measure(hub: HubProcess, pending: number, startupSeconds: number, probeFile: string): Promise<PendingRun> {
  const auth = { authorization: `Bearer ${hub.apiKey}`, 'content-type': 'application/json' };
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${hub.baseUrl}${path}`, { method, headers: auth, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 200)}`);
    return JSON.parse(text) as { id: string };
  };
  const ids: string[] = [];
  for (let i = 0; i < SAMPLES; i++) ids.push((await call('POST', '/v1/requests', { title: 'Deploy?', recipients: [{ channel: 'web' }] })).id);
  const listMs = await timed(SAMPLES, async () => void (await call('GET', '/v1/requests?state=pending&limit=50')));
  const decisionMs = await timed(SAMPLES, async (i) => void (await call('POST', `/v1/requests/${ids[i]}/responses`, { value: 'approve' })));
  const meter = new CpuMeter(() => hub.pid);
  meter.begin();
  await sleep(5000);
  const idleCpuCores = meter.end()?.hub ?? NaN;
  const { heapMb } = await heapAfterGc(hub, probeFile);
  return {
    pending, startupSeconds, listMs, decisionMs, idleCpuCores, heapAfterGcMb: heapMb,
    rssMb: Math.round(statusKb(hub.pid, 'VmRSS') / 102.4) / 10, rssPeakMb: Math.round(statusKb(hub.pid, 'VmHWM') / 102.4) / 10,
  };
}

async function run(url: string, pending: number, cleanup: Cleanup): Promise<PendingRun> {
  const probeFile = join(tmpdir(), `switchboard-bench-gc-${process.pid}-${pending}.json`);
  const probe = gcProbe(probeFile);
  const t0 = performance.now();
  const hub = await startHubProcess(cleanup, { databaseUrl: url, ...probe });
  const startupSeconds = Math.round((performance.now() - t0) / 10) / 100;
  try {
    return await measure(hub, pending, startupSeconds, probeFile);
  } finally {
    await hub.stop();
  }
}

const PLANS: Record<string, string> = {
  'list first page of pending': `select id from requests r where r.state = 'pending' order by r.id desc limit 50`,
  'expiry sweep: overdue chunk': `select id from requests where state = 'pending' and expires_at <= now() order by expires_at limit 100 for update skip locked`,
  'relay: due outbox rows': `select id from outbox where enqueued_at is null and job <> 'expire' and (delay_until is null or delay_until <= now()) order by id limit 500 for update skip locked`,
};

/**
 * The same hub start and the same reads and decisions on an empty database, then with `n` pending
 * requests seeded straight into Postgres: what the hub does should not grow with what waits.
 */
export async function runPending(n: number, cleanup: Cleanup): Promise<PendingResult> {
  const db = await freshDatabase();
  cleanup.add('drop pending-phase database', () => db.drop());
  progress('pending: hub on an empty database');
  const empty = await run(db.url, 0, cleanup);
  progress(`pending: seeding ${n.toLocaleString('en-US')} pending requests in SQL`);
  const sql = postgres(db.url, { max: 1, onnotice: () => {} });
  cleanup.add('close pending-phase client', () => sql.end({ timeout: 2 }));
  const t0 = performance.now();
  await seedPending(sql, n);
  const seedSeconds = Math.round((performance.now() - t0) / 100) / 10;
  const plans: Record<string, string> = {};
  for (const [what, q] of Object.entries(PLANS)) {
    const rows = await sql.begin((tx) => tx.unsafe(`explain ${q}`));
    plans[what] = rows.map((r) => (r as Record<string, string>)['QUERY PLAN']).join('\n');
    progress(`pending: EXPLAIN ${what}:\n${plans[what]}`);
  }
  progress(`pending: hub on ${n.toLocaleString('en-US')} pending`);
  const full = await run(db.url, n, cleanup);
  return { empty, full, seedSeconds, plans };
}
