import { readdirSync, readFileSync } from 'node:fs';

/**
 * Where the machine's CPU went during a phase (Linux /proc; empty elsewhere): the hub process(es), this
 * bench process (load generator + receiver), Postgres backends, Redis, and everything else.
 * Values are in cores (1.0 = one core fully busy for the whole phase).
 */
export interface CpuShare {
  cores: number;
  hub: number;
  /** The part of `hub` spent in the kernel (system time: syscalls, loopback TCP, wake-ups). */
  hubSys: number;
  bench: number;
  postgres: number;
  redis: number;
  other: number;
  idle: number;
}

interface Snapshot {
  /** Sum over all CPUs of /proc/stat's fields, and of its idle + iowait. */
  total: number;
  idle: number;
  cores: number;
  procs: Map<number, { comm: string; ticks: number; sys: number }>;
}

function snapshot(): Snapshot | undefined {
  let stat: string;
  try {
    stat = readFileSync('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  const lines = stat.split('\n');
  const f = lines[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  const cores = lines.filter((l) => /^cpu\d+ /.test(l)).length || 1;
  const procs = new Map<number, { comm: string; ticks: number; sys: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const s = readFileSync(`/proc/${name}/stat`, 'utf8');
      const close = s.lastIndexOf(')');
      const comm = s.slice(s.indexOf('(') + 1, close);
      const rest = s.slice(close + 2).split(' ');
      // fields 14 and 15 (utime, stime) are rest[11], rest[12]
      procs.set(Number(name), { comm, ticks: Number(rest[11]) + Number(rest[12]), sys: Number(rest[12]) });
    } catch {
      // the process went away
    }
  }
  return { total, idle, cores, procs };
}

/** utime + stime of one process so far, in ms (clock ticks are 10 ms on Linux); 0 where /proc is missing. */
export function processCpuMs(pid: number): number {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) * 10;
  } catch {
    return 0;
  }
}

export class CpuMeter {
  private start: Snapshot | undefined;

  /** `hubPids`: the hub process (or processes, summed into `hub`); undefined: no hub. */
  constructor(private readonly hubPids: () => number | readonly number[] | undefined) {}

  begin(): void {
    this.start = snapshot();
  }

  end(): CpuShare | undefined {
    const a = this.start;
    const b = snapshot();
    if (!a || !b || b.total <= a.total) return undefined;
    const wall = (b.total - a.total) / b.cores; // jiffies of wall time
    const pids = this.hubPids();
    const hubPids = new Set(pids === undefined ? [] : typeof pids === 'number' ? [pids] : pids);
    const sums = { hub: 0, hubSys: 0, bench: 0, postgres: 0, redis: 0 };
    for (const [pid, p] of b.procs) {
      const before = a.procs.get(pid);
      const d = p.ticks - (before && before.comm === p.comm ? before.ticks : 0);
      if (d <= 0) continue;
      if (hubPids.has(pid)) {
        sums.hub += d;
        sums.hubSys += p.sys - (before && before.comm === p.comm ? before.sys : 0);
      }
      else if (pid === process.pid) sums.bench += d;
      else if (p.comm === 'postgres' || p.comm.startsWith('postgres')) sums.postgres += d;
      else if (p.comm.startsWith('redis-server')) sums.redis += d;
    }
    const busy = b.total - a.total - (b.idle - a.idle);
    const r = (v: number) => Math.round((v / wall) * 100) / 100;
    const known = sums.hub + sums.bench + sums.postgres + sums.redis;
    return {
      cores: b.cores,
      hub: r(sums.hub),
      hubSys: r(sums.hubSys),
      bench: r(sums.bench),
      postgres: r(sums.postgres),
      redis: r(sums.redis),
      other: r(Math.max(0, busy - known)),
      idle: r(b.idle - a.idle),
    };
  }
}

export const describeCpu = (c: CpuShare | undefined) =>
  c ? `hub ${c.hub} (sys ${c.hubSys}) · bench ${c.bench} · pg ${c.postgres} · redis ${c.redis} · other ${c.other} · idle ${c.idle}` : 'n/a';
