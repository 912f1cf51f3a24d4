// Jobs a process's own commits make due run in that process at once; their outbox rows stay the
// backstop: leased while held, given back to the relay when the process cannot or will not run them.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeldJobs, type HeldJobsOptions, type HeldRun } from '../../src/jobs/held-jobs.js';
import { createQueue, redisConnection } from '../../src/jobs/queue.js';
import type { HeldJob } from '../../src/store/requests.js';
import { FakeSlack } from '../fakes/slack.js';
import { startTestHub, type TestHub } from '../helpers/harness.js';
import { suffix, TEST_REDIS_URL, waitFor } from '../helpers/services.js';

let t: TestHub;
const fake = new FakeSlack();
beforeAll(async () => {
  await fake.start();
  t = await startTestHub({ env: { SLACK_BOT_TOKEN: fake.token, SLACK_SIGNING_SECRET: 'held-jobs-signing-secret', SLACK_API_URL: fake.url } });
});
afterAll(async () => {
  await t?.stop();
  await fake.stop();
});

const OPTS: HeldJobsOptions = { leaseMs: 600, maxRunning: 2, maxWaiting: 3 };

/** `n` settle rows as a commit would write them held for `leaseMs`, and the jobs it would report. */
async function heldRows(n: number, leaseMs = OPTS.leaseMs): Promise<HeldJob[]> {
  const jobs = Array.from({ length: n }, (): HeldJob => ({ job: 'settle', job_id: `settle-held-${suffix()}`, payload: { deliveryId: 'none' } }));
  for (const j of jobs) {
    await t.sql`insert into outbox (job, job_id, payload, delay_until)
      values (${j.job}, ${j.job_id}, ${t.sql.json(j.payload as never)}, now() + ${leaseMs} * interval '1 millisecond')`;
  }
  return jobs;
}

/**
 * Milliseconds until each job's row falls due, by job id; -1 once the hub's own relay has taken it
 * (queued, or run and gone: a given-back job is the relay's, and this hub runs one at once).
 */
async function dueInMs(jobs: HeldJob[]): Promise<Record<string, number>> {
  const rows = await t.sql<{ job_id: string; ms: number }[]>`
    select job_id, (extract(epoch from delay_until - now()) * 1000)::int as ms from outbox
    where job_id = any(${jobs.map((j) => j.job_id)}) and enqueued_at is null`;
  const found = new Map(rows.map((r) => [r.job_id, r.ms]));
  return Object.fromEntries(jobs.map((j) => [j.job_id, found.get(j.job_id) ?? -1]));
}

/** A run that holds each job until released, recording which it started. */
function gatedRun(result: Awaited<ReturnType<HeldRun>> = {}) {
  const started: string[] = [];
  const gates = new Map<string, () => void>();
  const run: HeldRun = (job) =>
    new Promise((resolve) => {
      started.push(job.job_id);
      gates.set(job.job_id, () => resolve(result));
    });
  const release = (id: string) => gates.get(id)!();
  return { run, started, release };
}

function heldJobs(opts: HeldJobsOptions = OPTS) {
  const pokes: number[] = [];
  const held = new HeldJobs(t.app.db, { poke: () => void pokes.push(1) }, pino({ level: 'silent' }), opts);
  return { held, pokes };
}

describe('held jobs', () => {
  it('runs up to maxRunning at once, the rest in turn, and gives back at once what does not fit in the line', async () => {
    const { held, pokes } = heldJobs();
    const g = gatedRun();
    held.work(g.run);
    const jobs = await heldRows(7);
    held.take(jobs);
    // 2 running, 3 waiting, 2 given back: due now, and the relay told.
    expect(g.started).toEqual(jobs.slice(0, 2).map((j) => j.job_id));
    expect(held.counts).toEqual({ running: 2, waiting: 3 });
    await waitFor(() => pokes.length === 1, 5000, 'the relay poked for the given-back jobs');
    const due = await dueInMs(jobs);
    expect(jobs.slice(5).map((j) => due[j.job_id]! <= 0)).toEqual([true, true]);
    expect(jobs.slice(0, 5).every((j) => due[j.job_id]! > 0)).toBe(true);
    for (const j of jobs.slice(0, 5)) {
      await waitFor(() => g.started.includes(j.job_id), 5000, `${j.job_id} to start`);
      g.release(j.job_id);
    }
    await held.stop(5000);
    expect(g.started).toEqual(jobs.slice(0, 5).map((j) => j.job_id));
  });

  it('renews the lease of a job while it runs, so the relay leaves it alone however long it takes', async () => {
    const { held } = heldJobs();
    const g = gatedRun();
    held.work(g.run);
    const [job] = await heldRows(1);
    held.take([job!]);
    // Three leases' time later its row is still not due.
    const started = Date.now();
    await waitFor(() => Date.now() - started > 3 * OPTS.leaseMs, 5000, 'three leases to pass');
    expect((await dueInMs([job!]))[job!.job_id]).toBeGreaterThan(0);
    g.release(job!.job_id);
    await held.stop(5000);
  });

  it('a try to be retried is given back due after its delay; one whose run throws, due at once', async () => {
    const { held, pokes } = heldJobs();
    const [retried, broken] = await heldRows(2, 60_000);
    held.work((job) => (job.job_id === broken!.job_id ? Promise.reject(new Error('the handler blew up')) : Promise.resolve({ retryInMs: 2000 })));
    held.take([retried!, broken!]);
    await waitFor(async () => {
      const due = await dueInMs([retried!, broken!]);
      return due[retried!.job_id]! < 2500 && due[broken!.job_id]! <= 0;
    }, 5000, 'both given back');
    expect((await dueInMs([retried!]))[retried!.job_id]).toBeGreaterThan(1000);
    expect(pokes.length).toBe(1);
    await held.stop(1000);
  });

  it('stopping gives the waiting jobs back at once and lets the running one finish', async () => {
    const { held } = heldJobs({ ...OPTS, maxRunning: 1, leaseMs: 60_000 });
    const g = gatedRun();
    held.work(g.run);
    const [running, waiting] = await heldRows(2, 60_000);
    held.take([running!, waiting!]);
    let stopped = false;
    const stopping = held.stop(10_000).then(() => (stopped = true));
    await waitFor(async () => (await dueInMs([waiting!]))[waiting!.job_id]! <= 0, 5000, 'the waiting job given back');
    expect(stopped).toBe(false);
    g.release(running!.job_id);
    await stopping;
    expect(g.started).toEqual([running!.job_id]);
    // Taken after the stop: straight back to the relay.
    const [late] = await heldRows(1, 60_000);
    held.take([late!]);
    await waitFor(async () => (await dueInMs([late!]))[late!.job_id]! <= 0, 5000, 'the late job given back');
  });

  it('in a hub, a Slack delivery and its settle run in the process that committed them, never through BullMQ', async () => {
    const created = await t.api('POST', '/v1/requests', { title: 'Deploy v2.3?', recipients: [{ channel: 'slack', to: 'C0APPROVALS' }] });
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    const delivery = async () => (await t.sql`select id, status, attempts from deliveries where request_id = ${id}`)[0]!;
    await waitFor(async () => (await delivery()).status === 'delivered', 10_000, 'the delivery');
    // One start, counted by the create that held it (the job did not count it again).
    expect((await delivery()).attempts).toBe(1);
    expect((await t.api('POST', `/v1/requests/${id}/responses`, { value: 'approve' })).status).toBe(200);
    await waitFor(async () => (await delivery()).status === 'settled', 10_000, 'the settle');
    await waitFor(async () => (await t.sql`select 1 from outbox where payload->>'requestId' = ${id}`).length === 0, 5000, 'no rows left');
    const connection = redisConnection(TEST_REDIS_URL);
    const queue = createQueue(connection, t.prefix);
    const { id: dlv } = await delivery();
    expect([await queue.getJobState(`deliver-${dlv}`), await queue.getJobState(`settle-${dlv}`)]).toEqual(['unknown', 'unknown']);
    await queue.close();
    connection.disconnect();
  });
});
