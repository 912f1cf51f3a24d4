/**
 * Preloaded into the bench's hub (`node --expose-gc --import ./test/bench/gc-probe.ts …`): on SIGUSR2
 * it runs a full GC and writes the heap that survived, and the RSS, as JSON to BENCH_GC_PROBE_FILE.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_GC_PROBE_FILE;
const gc = (globalThis as { gc?: () => void }).gc;
if (file && gc) {
  process.on('SIGUSR2', () => {
    gc();
    const { heapUsed, rss } = process.memoryUsage();
    writeFileSync(file, JSON.stringify({ heapUsed, rss, at: Date.now() }));
  });
}
