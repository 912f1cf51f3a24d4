import autocannon from 'autocannon';
import { perOp, ServerCounters, type PerOp } from './counters.js';
import { CpuMeter, type CpuShare } from './cpu.js';
import type { HubGroup } from './hub-group.js';
import { waitForIdle } from './hub-process.js';
import { countdown, progress, status } from './util.js';

export const CREATE_BODY = JSON.stringify({ title: 'Deploy?', recipients: [{ channel: 'web' }] });

export interface CreateRateResult {
  connections: number;
  /** Hub processes the connections were spread over (set only when more than one). */
  processes?: number;
  seconds: number;
  requests: number;
  created: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  createsPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Rows in `requests` written during the measured run (should equal `created`: a 201 is a commit). */
  rowsCommitted: number;
  cpu?: CpuShare;
  /** Seconds the hub needed after the run to finish the jobs the creates queued (deliveries); null: not within 60 s. */
  backlogDrainSeconds: number | null;
  /** Server work per create, its delivery job included. */
  perCreate?: PerOp;
}

function fire(group: HubGroup, connections: number, seconds: number, onResponse?: () => void): Promise<autocannon.Result> {
  const urls = group.hubs.map((h) => `${h.baseUrl}/v1/requests`);
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        // autocannon takes an array of urls (its types say string): connection i goes to urls[i % urls.length].
        url: (urls.length === 1 ? urls[0]! : urls) as string,
        method: 'POST',
        connections,
        duration: seconds,
        headers: { authorization: `Bearer ${group.apiKey}`, 'content-type': 'application/json' },
        body: CREATE_BODY,
        timeout: 10,
      },
      (err, result) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(result)),
    );
    if (onResponse) instance.on('response', onResponse);
  });
}

/**
 * Durable creates through HTTP: autocannon, `connections` keep-alive connections, closed loop,
 * spread round-robin over the group's hubs (connection i to hub i mod N); one shared database.
 */
export async function runCreateRate(group: HubGroup, seconds: number, connections: number, warmupSeconds: number): Promise<CreateRateResult> {
  if (warmupSeconds > 0) {
    progress(`create: ${warmupSeconds} s warm-up (not counted)`);
    await fire(group, connections, warmupSeconds);
    await waitForIdle(group.hubs[0]!, 60_000);
  }
  const counters = await ServerCounters.open(group.sql);
  try {
    return await measure(group, seconds, connections, counters);
  } finally {
    counters.close();
  }
}

async function measure(group: HubGroup, seconds: number, connections: number, counters: ServerCounters): Promise<CreateRateResult> {
  const countsBefore = await counters.read();
  const [before] = await group.sql<{ n: number }[]>`select count(*)::int as n from requests`;
  const n = group.hubs.length;
  progress(`create: autocannon, ${connections} connections${n > 1 ? ` round-robin over ${n} hub processes` : ''}, POST /v1/requests for ${seconds} s`);
  let responses = 0;
  const stop = countdown('create', seconds, () => `${responses} responses`);
  let result: autocannon.Result;
  const meter = new CpuMeter(() => group.pids());
  meter.begin();
  try {
    result = await fire(group, connections, seconds, () => responses++);
  } finally {
    stop();
  }
  const cpu = meter.end();
  const [after] = await group.sql<{ n: number }[]>`select count(*)::int as n from requests`;
  progress('create: waiting for the hub to deliver the created requests (not counted in the rate)');
  const drained = await waitForIdle(group.hubs[0]!, 60_000, (left) => status(`create: ${left} jobs left`));
  const countsAfter = await counters.settleAndRead();

  const statusCodes: Record<string, number> = {};
  for (const [code, s] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = s?.count ?? 0;
  const created = statusCodes['201'] ?? 0;
  const requests = Object.values(statusCodes).reduce((a, b) => a + b, 0);
  return {
    connections,
    ...(n > 1 ? { processes: n } : {}),
    seconds: result.duration,
    requests,
    created,
    non2xx: result.non2xx,
    statusCodes,
    errors: result.errors,
    timeouts: result.timeouts,
    createsPerSec: Math.round(created / result.duration),
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: Math.round(result.latency.mean * 100) / 100,
    },
    rowsCommitted: (after?.n ?? 0) - (before?.n ?? 0),
    cpu,
    backlogDrainSeconds: drained === undefined ? null : Math.round(drained * 10) / 10,
    perCreate: perOp(countsBefore, countsAfter, created),
  };
}
