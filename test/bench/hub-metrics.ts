import { readFileSync, rmSync } from 'node:fs';
import type { HubProcess } from './hub-process.js';
import { sleep } from './util.js';

/** The hub's /metrics as name{labels} → value. */
export async function scrapeMetrics(baseUrl: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}

export interface EventLoopDelay {
  /** monitorEventLoopDelay inside the hub (prom-client, 10 ms resolution: an idle loop reads ≈ 10 ms). */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Time in GC pauses over the window, and how many there were. */
  gcMs: number;
  gcPauses: number;
}

const P = 'switchboard_process_nodejs_';
const ms = (v: number | undefined) => Math.round((v ?? NaN) * 1e5) / 100;

/**
 * Event-loop delay and GC over a window: call start() at its beginning (a scrape resets the hub's
 * delay histogram) and the function it returns at its end.
 */
export async function watchEventLoop(baseUrl: string): Promise<() => Promise<EventLoopDelay>> {
  const before = await scrapeMetrics(baseUrl);
  const gcSum = (m: Map<string, number>) => [...m].filter(([k]) => k.startsWith(`${P}gc_duration_seconds_sum`)).reduce((a, [, v]) => a + v, 0);
  const gcCount = (m: Map<string, number>) => [...m].filter(([k]) => k.startsWith(`${P}gc_duration_seconds_count`)).reduce((a, [, v]) => a + v, 0);
  return async () => {
    const after = await scrapeMetrics(baseUrl);
    return {
      p50Ms: ms(after.get(`${P}eventloop_lag_p50_seconds`)),
      p99Ms: ms(after.get(`${P}eventloop_lag_p99_seconds`)),
      maxMs: ms(after.get(`${P}eventloop_lag_max_seconds`)),
      gcMs: ms(gcSum(after) - gcSum(before)),
      gcPauses: gcCount(after) - gcCount(before),
    };
  };
}

/** Node arguments and environment that let heapAfterGc() ask the hub for a full GC (see gc-probe.ts). */
export function gcProbe(file: string): { nodeArgs: string[]; env: Record<string, string> } {
  return { nodeArgs: ['--expose-gc', '--import', './test/bench/gc-probe.ts'], env: { BENCH_GC_PROBE_FILE: file } };
}

/** Heap used after a full GC in the hub, and its RSS, in MB. */
export async function heapAfterGc(hub: HubProcess, file: string): Promise<{ heapMb: number; rssMb: number }> {
  rmSync(file, { force: true });
  process.kill(hub.pid, 'SIGUSR2');
  for (let i = 0; i < 100; i++) {
    await sleep(100);
    try {
      const { heapUsed, rss } = JSON.parse(readFileSync(file, 'utf8')) as { heapUsed: number; rss: number };
      return { heapMb: Math.round(heapUsed / 1e5) / 10, rssMb: Math.round(rss / 1e5) / 10 };
    } catch {
      // not written yet
    }
  }
  throw new Error('the hub did not answer the GC probe within 10 s');
}
