/** Small shared pieces of the benchmark: env knobs, progress on stderr, percentiles, cleanup. */

/** A numeric env knob: > 0, or >= 0 when `zeroOk`. */
export function envNumber(name: string, fallback: number, zeroOk = false): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (n === 0 && !zeroOk)) {
    throw new Error(`${name} must be a number ${zeroOk ? '>= 0' : '> 0'}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const tty = process.stderr.isTTY === true;
let openLine = false;

/** One progress line on stderr (stdout carries only the table and the JSON). */
export function progress(msg: string): void {
  if (openLine) process.stderr.write('\n');
  openLine = false;
  process.stderr.write(`[bench] ${msg}\n`);
}

/** A line that rewrites itself on a terminal (e.g. a countdown); one line per call otherwise. */
export function status(msg: string): void {
  if (tty) {
    process.stderr.write(`\r\x1b[2K[bench] ${msg}`);
    openLine = true;
  } else {
    process.stderr.write(`[bench] ${msg}\n`);
  }
}

/** Prints "<label>: N s left" once a second until `stop` is called. */
export function countdown(label: string, seconds: number, extra?: () => string): () => void {
  const end = performance.now() + seconds * 1000;
  const tick = () => {
    const left = Math.max(0, Math.ceil((end - performance.now()) / 1000));
    status(`${label}: ${left} s left${extra ? ` (${extra()})` : ''}`);
  };
  tick();
  const timer = setInterval(tick, 1000);
  return () => {
    clearInterval(timer);
    if (openLine) process.stderr.write('\n');
    openLine = false;
  };
}

export interface Summary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles of exact samples (ms), rounded to 0.01 ms. */
export function summarize(samples: number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  const n = s.length;
  const at = (p: number) => (n === 0 ? NaN : s[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))]!);
  const r = (v: number) => Math.round(v * 100) / 100;
  return {
    count: n,
    p50: r(at(50)),
    p90: r(at(90)),
    p99: r(at(99)),
    max: r(n ? s[n - 1]! : NaN),
    mean: r(n ? s.reduce((a, b) => a + b, 0) / n : NaN),
  };
}

/** Cleanups run newest first, each at most once, errors reported but not thrown. */
export class Cleanup {
  private readonly steps: { what: string; fn: () => unknown }[] = [];

  /** `fn` may be async: run() awaits what it returns. */
  add(what: string, fn: () => unknown): void {
    this.steps.push({ what, fn });
  }

  async run(): Promise<void> {
    while (this.steps.length) {
      const step = this.steps.pop()!;
      try {
        await step.fn();
      } catch (err) {
        progress(`cleanup "${step.what}" failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}
