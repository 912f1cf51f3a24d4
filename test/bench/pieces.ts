import autocannon from 'autocannon';
import postgres from 'postgres';
import { ADMIN_DATABASE_URL } from '../helpers/services.js';
import { CREATE_BODY } from './create-rate.js';
import { CpuMeter, describeCpu, type CpuShare } from './cpu.js';
import { startHubProcess, waitForIdle, type HubProcess } from './hub-process.js';
import { fmt, type Row } from './table.js';
import { countdown, progress, sleep, summarize, type Cleanup } from './util.js';

/**
 * `BENCH_ONLY=pieces`: where a create's time goes, by difference. The same closed-loop load
 * (autocannon, `connections`) against ever more of the hub:
 *   GET /healthz (HTTP only) → POST 422 (+ auth, JSON, validation) → GET unknown id (+ one query)
 *   → create with workers and relay off (+ insert) → + relay (outbox → BullMQ) → the real hub (+ delivery jobs)
 * and, to read all of it, the price of one Postgres round trip on this machine back to back and paced.
 */
export interface PieceResult {
  name: string;
  perSec: number;
  p50: number;
  p99: number;
  statusCodes: Record<string, number>;
  hubCpuMsPerRequest: number | null;
  cpu?: CpuShare;
}

export interface RoundTripResult {
  gapMs: number;
  queries: number;
  rttP50Us: number;
  rttP99Us: number;
  cpuUsPerQuery: number;
}

export interface PiecesResult {
  pieces: PieceResult[];
  roundTrips: RoundTripResult[];
}

async function load(hub: HubProcess, name: string, o: autocannon.Options, seconds: number, connections: number, settle = false): Promise<PieceResult> {
  await autocannon({ ...o, connections, duration: 1 }); // warm-up
  // Only a hub with workers can finish what the warm-up queued.
  if (settle) await waitForIdle(hub, 30_000);
  else await sleep(500);
  const meter = new CpuMeter(() => hub.pid);
  const stop = countdown(`pieces: ${name}`, seconds);
  meter.begin();
  let r: autocannon.Result;
  try {
    r = await autocannon({ ...o, connections, duration: seconds });
  } finally {
    stop();
  }
  const cpu = meter.end();
  const n = r.requests.total;
  const statusCodes: Record<string, number> = {};
  for (const [code, s] of Object.entries(r.statusCodeStats ?? {})) statusCodes[code] = s?.count ?? 0;
  return {
    name,
    perSec: Math.round(n / r.duration),
    p50: r.latency.p50,
    p99: r.latency.p99,
    statusCodes,
    hubCpuMsPerRequest: cpu && n ? Math.round(((cpu.hub * r.duration * 1000) / n) * 1000) / 1000 : null,
    cpu,
  };
}

/** One connection, `select 1`, back to back or with a pause between queries (idle wake-ups). */
async function roundTrips(): Promise<RoundTripResult[]> {
  const sql = postgres(ADMIN_DATABASE_URL, { max: 1, onnotice: () => {} });
  const out: RoundTripResult[] = [];
  try {
    await sql`select 1`;
    for (const gapMs of [0, 5]) {
      const queries = gapMs ? 300 : 5000;
      const rtt: number[] = [];
      const c0 = process.cpuUsage();
      for (let i = 0; i < queries; i++) {
        const t = performance.now();
        await sql`select 1`;
        rtt.push(performance.now() - t);
        if (gapMs) await sleep(gapMs);
      }
      const c = process.cpuUsage(c0);
      const s = summarize(rtt);
      out.push({ gapMs, queries, rttP50Us: Math.round(s.p50 * 1000), rttP99Us: Math.round(s.p99 * 1000), cpuUsPerQuery: Math.round((c.user + c.system) / queries) });
    }
  } finally {
    await sql.end({ timeout: 2 });
  }
  return out;
}

export async function runPieces(seconds: number, connections: number, cleanup: Cleanup): Promise<PiecesResult> {
  progress('pieces: Postgres round trip, back to back and with 5 ms pauses');
  const rt = await roundTrips();
  const pieces: PieceResult[] = [];
  const create = (hub: HubProcess): autocannon.Options => ({
    url: `${hub.baseUrl}/v1/requests`,
    method: 'POST',
    headers: { authorization: `Bearer ${hub.apiKey}`, 'content-type': 'application/json' },
    body: CREATE_BODY,
  });

  const variant = ['test/bench/hub-variant.ts'];
  let hub = await startHubProcess(cleanup, { entry: variant, env: { BENCH_VARIANT_WORKERS: '0', BENCH_VARIANT_RELAY: '0' } });
  const auth = { authorization: `Bearer ${hub.apiKey}` };
  pieces.push(await load(hub, 'GET /healthz (HTTP only)', { url: `${hub.baseUrl}/healthz` }, seconds, connections));
  pieces.push(
    await load(hub, 'POST /v1/requests → 422 (+ auth, validation; no DB)', {
      url: `${hub.baseUrl}/v1/requests`, method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"title":""}',
    }, seconds, connections),
  );
  pieces.push(
    await load(hub, 'GET /v1/requests/{unknown} → 404 (+ 1 query)', { url: `${hub.baseUrl}/v1/requests/req_0000000000000000000000000a`, headers: auth }, seconds, connections),
  );
  pieces.push(await load(hub, 'create, workers + relay off (+ insert)', create(hub), seconds, connections));
  await hub.stop();

  hub = await startHubProcess(cleanup, { entry: variant, env: { BENCH_VARIANT_WORKERS: '0' } });
  pieces.push(await load(hub, 'create, workers off (+ relay → BullMQ)', create(hub), seconds, connections));
  await hub.stop();

  hub = await startHubProcess(cleanup, { entry: ['src/cli.ts', 'serve'] });
  pieces.push(await load(hub, 'create, real hub (+ delivery jobs)', create(hub), seconds, connections, true));
  await hub.stop();
  return { pieces, roundTrips: rt };
}

export function piecesRows(r: PiecesResult): Row[] {
  const rows: Row[] = [];
  for (const t of r.roundTrips) {
    rows.push({
      metric: `pg round trip ${t.gapMs ? `every ${t.gapMs} ms (idle between)` : 'back to back'}`,
      value: `RTT p50 ${t.rttP50Us} µs, p99 ${t.rttP99Us} µs, client CPU ${t.cpuUsPerQuery} µs`,
    });
  }
  for (const p of r.pieces) {
    const codes = Object.entries(p.statusCodes).map(([c, n]) => `${c}×${n}`).join(' ');
    rows.push({
      metric: p.name,
      value: `${fmt(p.perSec)} /s, p50 ${p.p50} / p99 ${p.p99} ms, hub CPU ${p.hubCpuMsPerRequest ?? 'n/a'} ms/req (${codes})`,
    });
    rows.push({ metric: '  CPU (cores)', value: describeCpu(p.cpu) });
  }
  return rows;
}
