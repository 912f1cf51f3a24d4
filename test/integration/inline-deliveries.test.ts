// Whether a delivery is inline (nothing to post or edit: the web page) is stored on its row when the
// request is created; the claim and the quorum vote settle by that column, with no list of channels.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/harness.js';
import { keyClient } from '../helpers/keys.js';

let t: TestHub;
beforeAll(async () => {
  // No workers: every outbox row a commit wrote stays there to be looked at.
  t = await startTestHub({ workers: false });
});
afterAll(async () => t?.stop());

const create = async (extra: Record<string, unknown> = {}) => {
  const res = await t.api('POST', '/v1/requests', { title: 'Deploy?', recipients: [{ channel: 'web' }, { channel: 'web', to: 'ana' }], ...extra });
  expect(res.status).toBe(201);
  return res.body.id as string;
};
const deliveries = (id: string) => t.sql`select status, inline from deliveries where request_id = ${id} order by recipient_index`;
const outboxJobs = async (id: string) =>
  (await t.sql`select job from outbox where payload->>'requestId' = ${id} order by job`).map((r) => r.job as string);

describe('inline deliveries', () => {
  it('are stored inline and delivered at create, with no deliver job', async () => {
    const id = await create({ timeout_seconds: 3600 });
    expect(await deliveries(id)).toEqual([
      { status: 'delivered', inline: true },
      { status: 'delivered', inline: true },
    ]);
    expect(await outboxJobs(id)).toEqual(['expire']);
  });

  it('are settled by the claim itself, with no settle job', async () => {
    const id = await create();
    const won = await t.api('POST', `/v1/requests/${id}/responses`, { value: 'approve' });
    expect(won.status).toBe(200);
    expect(await deliveries(id)).toEqual([
      { status: 'settled', inline: true },
      { status: 'settled', inline: true },
    ]);
    expect(await outboxJobs(id)).toEqual([]);
    const settled = await t.sql`select count(*)::int as n from events where request_id = ${id} and type = 'delivery.settled'`;
    expect(settled[0]!.n).toBe(2);
  });

  it('are settled by the vote that reaches the quorum', async () => {
    const id = await create({ quorum: 2 });
    const [first, second] = await Promise.all([keyClient(t, 'inline-voter-1'), keyClient(t, 'inline-voter-2')]);
    expect((await first('POST', `/v1/requests/${id}/responses`, { value: 'approve' })).body.state).toBe('pending');
    expect(await deliveries(id)).toEqual([
      { status: 'delivered', inline: true },
      { status: 'delivered', inline: true },
    ]);
    expect((await second('POST', `/v1/requests/${id}/responses`, { value: 'approve' })).body.state).toBe('resolved');
    expect(await deliveries(id)).toEqual([
      { status: 'settled', inline: true },
      { status: 'settled', inline: true },
    ]);
    expect(await outboxJobs(id)).toEqual([]);
  });

  it('is a property of the row, not of the channel name: a non-inline web row gets a settle job', async () => {
    const id = await create();
    await t.sql`update deliveries set inline = false where request_id = ${id} and recipient_index = 1`;
    expect((await t.api('POST', `/v1/requests/${id}/cancel`)).status).toBe(200);
    expect(await deliveries(id)).toEqual([
      { status: 'settled', inline: true },
      { status: 'delivered', inline: false },
    ]);
    expect(await outboxJobs(id)).toEqual(['settle']);
  });
});
