import { describeCpu } from './cpu.js';
import type { ExpiryResult } from './expiry.js';
import type { PendingResult, PendingRun } from './pending.js';
import { fmt, type Row } from './table.js';

const AIM_STARTUP_SECONDS = 5;
const AIM_RSS_MB = 300;
const AIM_EXPIRY_SECONDS = 60;

/** `x` as a ratio to the same figure with nothing pending. */
const ratio = (x: number, base: number) => (base > 0 && Number.isFinite(x) ? `${fmt(x / base, 2)}× empty` : '');

const p50p99 = (s: { p50: number; p99: number }) => `${fmt(s.p50, 1)} / ${fmt(s.p99, 1)} ms`;

export function pendingRows(r: PendingResult): Row[] {
  const { empty: e, full: f } = r;
  const n = fmt(f.pending);
  const row = (metric: string, value: (x: PendingRun) => number, show: (v: number) => string, extra: Partial<Row> = {}): Row => ({
    metric: `pending (${n}): ${metric}`, value: show(value(f)), aim: `${ratio(value(f), value(e))} (empty: ${show(value(e))})`, ...extra,
  });
  return [
    { metric: `pending: seeded ${n} in SQL`, value: `${fmt(r.seedSeconds, 1)} s` },
    row('start-up (spawn → ready)', (x) => x.startupSeconds, (v) => `${fmt(v, 2)} s`, { pass: f.startupSeconds <= AIM_STARTUP_SECONDS }),
    row('RSS (peak)', (x) => x.rssPeakMb, (v) => `${fmt(v, 1)} MB`, { pass: f.rssPeakMb <= AIM_RSS_MB }),
    row('heap after full GC', (x) => x.heapAfterGcMb, (v) => `${fmt(v, 1)} MB`),
    row('list first page p50', (x) => x.listMs.p50, (v) => `${fmt(v, 2)} ms`),
    row('list first page p99', (x) => x.listMs.p99, (v) => `${fmt(v, 2)} ms`),
    row('decision p50', (x) => x.decisionMs.p50, (v) => `${fmt(v, 2)} ms`),
    row('decision p99', (x) => x.decisionMs.p99, (v) => `${fmt(v, 2)} ms`),
    row('hub CPU while idle', (x) => x.idleCpuCores, (v) => `${fmt(v, 3)} cores`),
  ];
}

export function expiryRows(r: ExpiryResult): Row[] {
  const n = fmt(r.requests);
  const within = (s: number | null) => (s === null ? 'not within the wait' : `${fmt(s, 1)} s`);
  return [
    { metric: `expiry (${n} due together): all expired after deadline`, value: within(r.allExpiredSeconds), aim: `≤ ${AIM_EXPIRY_SECONDS} s`, pass: r.allExpiredSeconds !== null && r.allExpiredSeconds <= AIM_EXPIRY_SECONDS },
    { metric: `expiry (${n}): all webhooks received after deadline`, value: within(r.allWebhooksSeconds), aim: `≤ ${AIM_EXPIRY_SECONDS} s`, pass: r.allWebhooksSeconds !== null && r.allWebhooksSeconds <= AIM_EXPIRY_SECONDS },
    { metric: `expiry (${n}): expired / webhooks / duplicates`, value: `${fmt(r.expired)} / ${fmt(r.webhooksReceived)} / ${fmt(r.webhooksDuplicate)}`, aim: 'all, once', pass: r.expired === r.requests && r.webhooksReceived === r.requests && r.webhooksDuplicate === 0 },
    { metric: 'expiry: CPU (cores) during the burst', value: describeCpu(r.cpu) },
    { metric: 'expiry: other answers p50 / p99 during the burst', value: p50p99(r.answerDuringMs), aim: `${ratio(r.answerDuringMs.p99, r.answerBeforeMs.p99).replace('empty', 'before')} (before: ${p50p99(r.answerBeforeMs)})` },
  ];
}
