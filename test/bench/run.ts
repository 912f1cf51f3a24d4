/**
 * `npm run bench`: baseline Postgres insert rate, durable create rate through HTTP, and
 * answer → webhook latency at a steady decision rate, against a hub in its own process.
 * Progress goes to stderr; the table and then the results as JSON go to stdout.
 *
 * Knobs (env): BENCH_SECONDS (10), BENCH_CONNECTIONS (16), BENCH_RATE (200 decisions/s),
 * BENCH_DRAIN_SECONDS (10), BENCH_WARMUP_SECONDS (1), BENCH_ONLY (baseline,create,decide; or
 * pieces: a diagnostic breakdown of a create's cost; pending: BENCH_PENDING (100,000) pending
 * requests vs none; expiry: BENCH_EXPIRY (100,000) requests due together; slack: BENCH_SLACK (1,000)
 * approvals through the fake Slack, clicked one at a time and then at once — none in the default run),
 * BENCH_PROCESSES (1: hub processes on one database and Redis queue prefix, one API key and webhook secret;
 * create connections, decide creates and answers, slack requests and clicks round-robin over them; create,
 * decide and slack phases),
 * BENCH_SLACK_PENDING (0: other pending requests seeded before the slack rounds), BENCH_SLACK_PACED (keep the Slack client's rate pacing, off by default against the fake),
 * BENCH_HUB_LOG_LEVEL (info), BENCH_HUB_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"),
 * BENCH_HUB_ENTRY (another hub script with serve's environment contract, e.g. an older copy of src/cli.ts serve),
 * BENCH_KEEP_LOG (keep the hub's log), BENCH_STRICT (exit 1 when an aim is missed),
 * BENCH_TIMEOUT_SECONDS (whole-run watchdog), TEST_DATABASE_URL, TEST_REDIS_URL.
 */
import { availableParallelism } from 'node:os';
import { runBaseline, type BaselineResult } from './baseline.js';
import { describeCpu } from './cpu.js';
import { runCreateRate, type CreateRateResult } from './create-rate.js';
import { runDecisionLatency, type DecisionLatencyResult } from './decision-latency.js';
import type { PerOp } from './counters.js';
import { startHubGroup } from './hub-group.js';
import { runExpiry, type ExpiryResult } from './expiry.js';
import { runPending, type PendingResult } from './pending.js';
import { piecesRows, runPieces, type PiecesResult } from './pieces.js';
import { expiryRows, pendingRows } from './scale-rows.js';
import { runSlack, type SlackResult } from './slack.js';
import { slackRows } from './slack-rows.js';
import { fmt, renderTable, type Row } from './table.js';
import { Cleanup, envNumber, progress } from './util.js';

const AIM_CREATE_RATIO = 0.6;
const AIM_WEBHOOK_P99_MS = 20;

const seconds = envNumber('BENCH_SECONDS', 10);
const connections = envNumber('BENCH_CONNECTIONS', 16);
const rate = envNumber('BENCH_RATE', 200);
const drainSeconds = envNumber('BENCH_DRAIN_SECONDS', 10, true);
const warmupSeconds = envNumber('BENCH_WARMUP_SECONDS', 1, true);
const only = new Set((process.env.BENCH_ONLY ?? 'baseline,create,decide').split(',').map((s) => s.trim()));
const pendingN = envNumber('BENCH_PENDING', 100_000);
const expiryN = envNumber('BENCH_EXPIRY', 100_000);
const slackN = envNumber('BENCH_SLACK', 1000);
const slackPending = envNumber('BENCH_SLACK_PENDING', 0, true);
const processes = Math.max(1, Math.floor(envNumber('BENCH_PROCESSES', 1)));
/** " over N hub processes" etc. in a row label when there is more than one; nothing otherwise. */
const overHubs = (text: (n: number) => string) => (processes > 1 ? text(processes) : '');
// Seeding and waiting for a burst take minutes at a million; each of those phases gets its own allowance.
const scaleAllowance = (only.has('pending') ? 120 + pendingN / 2000 : 0) + (only.has('expiry') ? 240 + expiryN / 2000 : 0) + (only.has('slack') ? 300 + slackN / 10 : 0);
const timeoutSeconds = envNumber('BENCH_TIMEOUT_SECONDS', Math.max(170, seconds * 8 + 90) + scaleAllowance);

/** Milliseconds of CPU per operation from a share of cores over a window. */
const perOp = (cores: number, seconds: number, ops: number) => (ops > 0 ? (cores * seconds * 1000) / ops : NaN);

const describePerOp = (p: PerOp) => `${fmt(p.pgTransactions, 1)} / ${fmt(p.redisCommands, 1)} / ${fmt(p.redisScripts, 1)}`;

const cleanup = new Cleanup();
let cleaning: Promise<void> | undefined;
const cleanUp = () => (cleaning ??= cleanup.run());

async function abort(why: string, code: number): Promise<never> {
  progress(why);
  await cleanUp();
  process.exit(code);
}
process.once('SIGINT', () => void abort('interrupted: cleaning up', 130));
process.once('SIGTERM', () => void abort('terminated: cleaning up', 143));
process.once('SIGHUP', () => void abort('hung up: cleaning up', 129));
// A reader that goes away (`npm run bench | head`) must not leave the hub and databases behind.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
const watchdog = setTimeout(() => void abort(`gave up after ${timeoutSeconds} s (BENCH_TIMEOUT_SECONDS)`, 1), timeoutSeconds * 1000);

async function main(): Promise<number> {
  const t0 = performance.now();
  let baseline: BaselineResult | undefined;
  let create: CreateRateResult | undefined;
  let decide: DecisionLatencyResult | undefined;
  let pieces: PiecesResult | undefined;
  let pending: PendingResult | undefined;
  let expiry: ExpiryResult | undefined;
  let slack: SlackResult | undefined;

  if (only.has('baseline')) baseline = await runBaseline(seconds, connections, cleanup);
  if (only.has('create') || only.has('decide')) {
    const hubs = await startHubGroup(processes, cleanup);
    if (processes > 1) progress(`${processes} hub processes on one database and queue prefix for create/decide`);
    if (only.has('create')) create = await runCreateRate(hubs, seconds, connections, warmupSeconds);
    if (only.has('decide')) decide = await runDecisionLatency(hubs, { seconds, rate, drainSeconds, warmupSeconds }, cleanup);
    await hubs.stop();
  }
  if (only.has('pieces')) pieces = await runPieces(Math.min(seconds, 5), connections, cleanup);
  if (only.has('pending')) pending = await runPending(pendingN, cleanup);
  if (only.has('expiry')) expiry = await runExpiry(expiryN, cleanup);
  if (only.has('slack')) slack = await runSlack(slackN, processes, cleanup, slackPending);

  const ratio = baseline && create ? create.createsPerSec / baseline.insertsPerSec : undefined;
  const rows: Row[] = [];
  if (baseline) {
    rows.push({ metric: `baseline: postgres.js autocommit INSERT (${baseline.connections} conns)`, value: `${fmt(baseline.insertsPerSec)} /s`, aim: 'baseline = 100 %' });
    rows.push({ metric: 'baseline: CPU (cores)', value: describeCpu(baseline.cpu) });
    if (baseline.errors) rows.push({ metric: 'baseline: insert errors', value: fmt(baseline.errors) });
  }
  if (create) {
    rows.push({
      metric: `create: POST /v1/requests 201 (${create.connections} conns${overHubs((n) => ` over ${n} hub processes`)})`,
      value: `${fmt(create.createsPerSec)} /s`,
      aim: ratio === undefined ? `≥ ${AIM_CREATE_RATIO * 100} % of baseline` : `${fmt(ratio * 100, 1)} % (aim ≥ ${AIM_CREATE_RATIO * 100} %)`,
      pass: ratio === undefined ? undefined : ratio >= AIM_CREATE_RATIO,
    });
    rows.push({ metric: 'create: latency p50 / p99', value: `${fmt(create.latencyMs.p50, 1)} / ${fmt(create.latencyMs.p99, 1)} ms` });
    const failures = create.non2xx + create.errors;
    rows.push({
      metric: 'create: non-2xx / errors (timeouts)',
      value: `${fmt(create.non2xx)} / ${fmt(create.errors)} (${fmt(create.timeouts)})`,
      aim: 'all 201',
      pass: failures === 0 && create.created === create.requests,
    });
    rows.push({
      metric: 'create: rows committed / 201s',
      value: `${fmt(create.rowsCommitted)} / ${fmt(create.created)}`,
      aim: 'every 201 is a row',
      pass: create.rowsCommitted >= create.created,
    });
    rows.push({ metric: `create: CPU (cores${overHubs((n) => `; hub = ${n} hub processes summed`)})`, value: describeCpu(create.cpu) });
    if (create.cpu) rows.push({ metric: `create: hub CPU per create${overHubs((n) => ` (${n} hub processes summed)`)}`, value: `${fmt(perOp(create.cpu.hub, create.seconds, create.created), 2)} ms` });
    rows.push({ metric: 'create: delivery backlog drained in', value: create.backlogDrainSeconds === null ? 'not within 60 s' : `${fmt(create.backlogDrainSeconds, 1)} s` });
    if (create.perCreate) rows.push({ metric: 'create: per create (≈): pg xacts / redis cmds / Lua', value: describePerOp(create.perCreate) });
  }
  if (decide) {
    const w = decide.webhookLatencyMs;
    rows.push({ metric: `decide: answers sent (target rate${overHubs((n) => `, round-robin over ${n} hub processes`)})`, value: `${fmt(decide.sent)} at ${fmt(decide.sentRate, 1)} /s`, aim: `${decide.targetRate} /s open loop` });
    rows.push({ metric: 'decide: answer POST p50 / p99', value: `${fmt(decide.answerLatencyMs.p50, 1)} / ${fmt(decide.answerLatencyMs.p99, 1)} ms` });
    rows.push({ metric: 'decide: answer → webhook p50', value: `${fmt(w.p50, 1)} ms` });
    rows.push({ metric: 'decide: answer → webhook p90', value: `${fmt(w.p90, 1)} ms` });
    rows.push({ metric: 'decide: answer → webhook p99', value: `${fmt(w.p99, 1)} ms`, aim: `≤ ${AIM_WEBHOOK_P99_MS} ms`, pass: w.count > 0 && w.p99 <= AIM_WEBHOOK_P99_MS });
    rows.push({ metric: 'decide: answer → webhook max', value: `${fmt(w.max, 1)} ms` });
    const cold = decide.warmupWebhookLatencyMs;
    if (cold) rows.push({ metric: `decide: warm-up (first ${warmupSeconds} s, apart) → webhook p50 / p99`, value: `${fmt(cold.p50, 1)} / ${fmt(cold.p99, 1)} ms` });
    rows.push({
      metric: 'decide: webhooks received / missing',
      value: `${fmt(w.count)} / ${fmt(decide.webhooksMissing)}`,
      aim: 'none missing',
      pass: decide.webhooksMissing === 0 && decide.answered200 === decide.sent,
    });
    rows.push({ metric: `decide: CPU (cores${overHubs((n) => `; hub = ${n} hub processes summed`)})`, value: describeCpu(decide.cpu) });
    if (decide.cpu) rows.push({ metric: `decide: hub CPU per decision (send window${overHubs((n) => `, ${n} hub processes summed`)})`, value: `${fmt(perOp(decide.cpu.hub, decide.seconds, decide.sent), 2)} ms` });
    const l = decide.eventLoop;
    rows.push({ metric: `decide: hub event-loop delay p50 / p99 / max${overHubs((n) => ` (worst of ${n} hub processes)`)}`, value: `${fmt(l.p50Ms, 1)} / ${fmt(l.p99Ms, 1)} / ${fmt(l.maxMs, 1)} ms`, aim: '10 ms resolution: idle reads ≈ 10' });
    rows.push({ metric: `decide: hub GC pauses (send window${overHubs((n) => `, ${n} hub processes summed`)})`, value: `${fmt(l.gcPauses)} taking ${fmt(l.gcMs, 1)} ms` });
    if (decide.perDecision) rows.push({ metric: 'decide: per decision (≈): pg xacts / redis cmds / Lua', value: describePerOp(decide.perDecision) });
    if (decide.webhooksDuplicate || decide.webhooksUnverified || decide.answerErrors || decide.answered200 !== decide.sent) {
      rows.push({
        metric: 'decide: non-200 answers / errors / dup / unverified',
        value: `${decide.sent - decide.answered200 - decide.answerErrors} / ${decide.answerErrors} / ${decide.webhooksDuplicate} / ${decide.webhooksUnverified}`,
      });
    }
  }

  if (pieces) rows.push(...piecesRows(pieces));
  if (pending) rows.push(...pendingRows(pending));
  if (expiry) rows.push(...expiryRows(expiry));
  if (slack) rows.push(...slackRows(slack));

  const elapsed = (performance.now() - t0) / 1000;
  const hubsShown = create || decide || slack ? overHubs((n) => `, ${n} hub processes`) : '';
  process.stdout.write(`\nSwitchboard bench — ${seconds} s per phase${hubsShown}, ${availableParallelism()} CPUs shared by hub${hubsShown ? 's' : ''}, Postgres, Redis and load generator\n\n`);
  process.stdout.write(`${renderTable(rows)}\n\n`);
  const results = {
    config: { seconds, connections, rate, drainSeconds, warmupSeconds, ...(processes > 1 ? { processes } : {}), cpus: availableParallelism(), node: process.version, hubLogLevel: process.env.BENCH_HUB_LOG_LEVEL ?? 'info' },
    baseline,
    create: create && { ...create, ratioToBaseline: ratio === undefined ? null : Math.round(ratio * 1000) / 1000 },
    decide,
    pieces,
    pending,
    expiry,
    slack,
    aims: {
      createRatio: { aim: AIM_CREATE_RATIO, value: ratio ?? null, pass: ratio === undefined ? null : ratio >= AIM_CREATE_RATIO },
      webhookP99Ms: { aim: AIM_WEBHOOK_P99_MS, value: decide?.webhookLatencyMs.p99 ?? null, pass: decide ? decide.webhookLatencyMs.p99 <= AIM_WEBHOOK_P99_MS : null },
    },
    elapsedSeconds: Math.round(elapsed * 10) / 10,
  };
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  const failed = rows.some((r) => r.pass === false);
  return failed && process.env.BENCH_STRICT ? 1 : 0;
}

let code = 1;
try {
  code = await main();
} catch (err) {
  progress(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  progress('cleaning up');
  await cleanUp();
  clearTimeout(watchdog);
}
process.exit(code);
