import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/harness.js';
import { keyClient } from '../helpers/keys.js';

let a: TestHub;
let b: TestHub;
beforeAll(async () => {
  a = await startTestHub();
  b = await startTestHub({ shareWith: a });
});
afterAll(async () => {
  await b?.stop();
  await a?.stop();
});

/** Reads an SSE stream until `count` events arrived or it ends. */
async function readEvents(url: string, apiKey: string, count: number, signal: AbortSignal) {
  const res = await fetch(url, { headers: { authorization: `Bearer ${apiKey}` }, signal });
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const events: { event: string; data: any }[] = [];
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) events.push({ event, data: JSON.parse(data) });
    }
    if (events.length >= count) break;
  }
  return events;
}

describe('two hub processes on one Postgres and Redis', () => {
  it('wakes a long-poll on B when the answer is taken on A', async () => {
    const r = (await a.api('POST', '/v1/requests', { title: 'x', recipients: [{ channel: 'web' }] })).body;
    const t0 = Date.now();
    const waiting = b.api('GET', `/v1/requests/${r.id}?wait=30`);
    await new Promise((res) => setTimeout(res, 300));
    await a.api('POST', `/v1/requests/${r.id}/responses`, { value: 'approve' });
    const got = await waiting;
    expect(got.body.state).toBe('resolved');
    // Woken by pub/sub, not by the 5 s safety re-read.
    expect(Date.now() - t0).toBeLessThan(2500);
  });

  it('streams SSE events on B for votes and the decision taken on A', async () => {
    const r = (await a.api('POST', '/v1/requests', { title: 'x', recipients: [{ channel: 'web' }], quorum: 2 })).body;
    const bo = await keyClient(a, 'bo'); // one vote per API key
    const ac = new AbortController();
    const stream = readEvents(`${b.baseUrl}/v1/requests/${r.id}/events`, b.apiKey, 3, ac.signal);
    await new Promise((res) => setTimeout(res, 300));
    const t0 = Date.now();
    await a.api('POST', `/v1/requests/${r.id}/responses`, { value: 'approve', responder: { id: 'ana' } });
    await new Promise((res) => setTimeout(res, 200));
    await bo('POST', `/v1/requests/${r.id}/responses`, { value: 'approve' });
    const events = await stream;
    ac.abort();
    expect(events.map((e) => e.event)).toEqual(['request.snapshot', 'request.vote', 'request.resolved']);
    expect(events[1]!.data.votes).toHaveLength(1);
    expect(events[2]!.data.state).toBe('resolved');
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('sends one snapshot and ends the stream for a closed request', async () => {
    const r = (await a.api('POST', '/v1/requests', { title: 'x', recipients: [{ channel: 'web' }] })).body;
    await a.api('POST', `/v1/requests/${r.id}/cancel`);
    const events = await readEvents(`${b.baseUrl}/v1/requests/${r.id}/events`, b.apiKey, 99, AbortSignal.timeout(5000));
    expect(events.map((e) => [e.event, e.data.state])).toEqual([['request.snapshot', 'cancelled']]);
  });

  it('a draining process answers its long-polls and ends its streams instead of holding shutdown', async () => {
    const c = await startTestHub({ shareWith: a });
    const r = (await a.api('POST', '/v1/requests', { title: 'x', recipients: [{ channel: 'web' }] })).body;
    const poll = c.api('GET', `/v1/requests/${r.id}?wait=30`);
    const stream = readEvents(`${c.baseUrl}/v1/requests/${r.id}/events`, c.apiKey, 99, AbortSignal.timeout(20_000));
    await new Promise((res) => setTimeout(res, 300));
    const t0 = Date.now();
    await c.stop();
    expect(Date.now() - t0).toBeLessThan(5000);
    const polled = await poll;
    expect(polled.status).toBe(503);
    expect(polled.headers.get('retry-after')).toBe('1');
    expect(polled.body.request.state).toBe('pending');
    expect((await stream).map((e) => e.event)).toEqual(['request.snapshot']);
  });
});
