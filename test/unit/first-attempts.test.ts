// The winner's first webhook attempts: at most 256 at once; more wait in line for a free slot, but
// never so long that the outbox backstop (due a timeout later) could send the same webhook too.
import { createServer, type ServerResponse } from 'node:http';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Request } from '../../src/domain/types.js';
import type { CallbackContext } from '../../src/jobs/context.js';
import { createFollowUps } from '../../src/jobs/follow-ups.js';
import { createMetrics } from '../../src/metrics.js';
import type { CallbackAttemptRecord } from '../../src/store/callbacks.js';
import type { Db } from '../../src/store/db.js';
import { makeRequest } from '../helpers/fixtures.js';

/** A webhook receiver that holds every request until release(). */
async function holdingReceiver() {
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => held.push(res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
  return {
    url,
    held,
    release: () => held.splice(0).forEach((res) => res.writeHead(200).end()),
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

function followUpsWith(maxWaitMs: number) {
  const recorded: CallbackAttemptRecord[] = [];
  const callbacks = {
    attempts: {
      record: (r: CallbackAttemptRecord) => {
        recorded.push(r);
        return Promise.resolve();
      },
    },
    metrics: createMetrics({} as Db),
    log: pino({ level: 'silent' }),
    webhookSecret: 'whsec_' + Buffer.alloc(32, 7).toString('base64'),
    webhookTimeoutMs: 10_000,
    callbackPrivate: 'allow',
    callbackSchedule: [0, 1000],
    present: (r: Request) => ({ id: r.id }),
  } as Partial<CallbackContext> as CallbackContext;
  const followUps = createFollowUps({
    relay: { poke: () => {} },
    held: { take: () => {} },
    wakeups: { publish: () => Promise.resolve() },
    metrics: callbacks.metrics,
    callbacks,
    log: callbacks.log,
    firstAttemptMaxWaitMs: maxWaitMs,
  });
  return { followUps, recorded };
}

const NONE = { queued: 0, held: [] };

const decided = (url: string) =>
  makeRequest({ state: 'resolved', created_at: '2024-01-01T00:00:00.000Z', closed_at: '2024-01-01T00:00:01.000Z', callback: { url, status: 'pending', attempts: 0 } });

let receiver: Awaited<ReturnType<typeof holdingReceiver>> | undefined;
afterEach(async () => {
  receiver?.release();
  await receiver?.close();
});

describe('first webhook attempts', () => {
  it('beyond 256 at once, the rest wait for a free slot and are all sent, once each', async () => {
    receiver = await holdingReceiver();
    const { followUps, recorded } = followUpsWith(4000);
    for (let i = 0; i < 300; i++) followUps.decided(decided(receiver.url), NONE);
    await expect.poll(() => receiver!.held.length).toBe(256);
    receiver.release();
    // The 44 that waited go as slots free up.
    await expect.poll(() => receiver!.held.length).toBe(44);
    receiver.release();
    await followUps.whenIdle(10_000);
    expect(recorded).toHaveLength(300);
    expect(new Set(recorded.map((r) => r.requestId)).size).toBe(300);
    expect(recorded.every((r) => r.status === 'delivered')).toBe(true);
  });

  it('one that waited past its limit is left to the outbox backstop', async () => {
    receiver = await holdingReceiver();
    const { followUps, recorded } = followUpsWith(50);
    for (let i = 0; i < 260; i++) followUps.decided(decided(receiver.url), NONE);
    await expect.poll(() => receiver!.held.length).toBe(256);
    const started = Date.now();
    await expect.poll(() => Date.now() - started > 100).toBe(true);
    receiver.release();
    await followUps.whenIdle(10_000);
    expect(recorded).toHaveLength(256);
    expect(receiver.held).toHaveLength(0);
  });
});
