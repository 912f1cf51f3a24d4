// The audit trail: every event of a request, with its actor, through GET /v1/requests/{id}/log.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../fakes/slack.js';
import { blockActions, postPayload } from '../fakes/slack-payloads.js';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { startTestHub, type TestHub } from '../helpers/harness.js';
import { keyClient, type Api } from '../helpers/keys.js';
import { waitFor } from '../helpers/services.js';

const SECRET = 'audit-signing-secret-abcdef';
const fake = new FakeSlack();
const hook = new WebhookReceiver();
let t: TestHub;
let mallory: Api;

interface Entry { id: string; type: string; at: string; actor: string | null; data: Record<string, any> }

beforeAll(async () => {
  await fake.start();
  t = await startTestHub({ env: { SLACK_BOT_TOKEN: fake.token, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.url } });
  await hook.start(t.webhookSecret);
  mallory = await keyClient(t, 'mallory', ['responses:write']);
});
afterAll(async () => {
  await t?.stop();
  await hook.stop();
  await fake.stop();
});

const logOf = async (id: string, query = '', api: Api = t.api) => api('GET', `/v1/requests/${id}/log${query}`);
const typesOf = async (id: string) => ((await logOf(id, '?limit=100')).body.data as Entry[]).map((e) => e.type);

/** Every page of the log, `limit` entries at a time, following next_cursor. */
async function pages(id: string, limit: number): Promise<Entry[][]> {
  const out: Entry[][] = [];
  let cursor: string | null = '';
  while (cursor !== null) {
    const res = await logOf(id, `?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status).toBe(200);
    out.push(res.body.data);
    cursor = res.body.next_cursor;
  }
  return out;
}

describe('GET /v1/requests/{id}/log', () => {
  let id: string;
  let web: string;
  let log: Entry[];

  beforeAll(async () => {
    hook.answer({ status: 500 });
    const created = await t.api('POST', '/v1/requests', {
      title: 'Rotate the database password?',
      recipients: [{ channel: 'web' }, { channel: 'slack', to: 'C0APPROVALS' }, { channel: 'slack', to: 'C0NOPE' }],
      approvers: ['api:SWITCHBOARD_API_KEY', 'slack:U0ANA'],
      quorum: 2,
      callback_url: hook.url,
    });
    expect(created.status).toBe(201);
    ({ id } = created.body);
    web = created.body.links.web;
    await waitFor(async () => {
      const types = await typesOf(id);
      return types.includes('delivery.failed') && types.filter((x) => x === 'delivery.delivered').length === 2;
    }, 15_000, 'the Slack delivery and the failed one');
    // A refused answer (not an approver) whose value is the page's capability token: the log must not show it.
    const capability = web.split('/r/')[1]!;
    expect((await mallory('POST', `/v1/requests/${id}/responses`, { value: capability })).status).toBe(403);
    expect((await t.api('POST', `/v1/requests/${id}/responses`, { value: 'approve' })).status).toBe(200);
    const msg = await waitFor(() => [...fake.messages.values()].find((m) => JSON.stringify(m.blocks).includes(id)), 10_000, 'the Slack message');
    await postPayload(`${t.baseUrl}/slack/events`, blockActions(fake, { channel: msg.channel, ts: msg.ts, user: 'U0ANA', actionId: 'sb:opt:0' }), { secret: SECRET });
    await waitFor(async () => {
      const types = await typesOf(id);
      return types.filter((x) => x === 'callback.attempt').length === 2 && types.filter((x) => x === 'delivery.settled').length === 2;
    }, 20_000, 'two webhook attempts and both settles');
    log = (await logOf(id, '?limit=100')).body.data;
  }, 60_000);

  it('records every event with its actor, in order', () => {
    const seq = log.map((e) => `${e.type} ${e.actor}`);
    const at = (line: string) => {
      const i = seq.indexOf(line);
      expect(i, `${line} in ${seq.join(' | ')}`).toBeGreaterThanOrEqual(0);
      return i;
    };
    const order = [
      at('request.created api:SWITCHBOARD_API_KEY'),
      at('answer.refused api:mallory'),
      at('answer.counted api:SWITCHBOARD_API_KEY'),
      at('request.resolved slack:U0ANA'),
    ];
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(at('delivery.delivered web')).toBeLessThan(order[1]!);
    expect(at('delivery.delivered slack')).toBeLessThan(order[1]!);
    expect(at('delivery.failed slack')).toBeLessThan(order[1]!);
    expect(at('delivery.settled web')).toBeGreaterThan(order[3]!);
    expect(at('delivery.settled slack')).toBeGreaterThan(order[3]!);
    const attempts = log.filter((e) => e.type === 'callback.attempt');
    expect(attempts.map((e) => [e.actor, e.data.attempt, e.data.status, e.data.callback_status])).toEqual([
      ['hub', 1, 500, 'pending'],
      ['hub', 2, 200, 'delivered'],
    ]);
    expect(attempts[0]!.data.error).toBe('HTTP 500');
    expect(typeof attempts[1]!.data.latency_ms).toBe('number');
    expect(log.findIndex((e) => e.type === 'callback.attempt')).toBeGreaterThan(order[3]!);
    expect(log.map((e) => e.at)).toEqual([...log.map((e) => e.at)].sort());
    expect(log.every((e) => !Number.isNaN(Date.parse(e.at)) && !('actor' in e.data))).toBe(true);
  });

  it('says why: the failed delivery, the refused answer and the counted vote', () => {
    const find = (type: string) => log.find((e) => e.type === type)!;
    expect(find('delivery.failed').data).toMatchObject({ channel: 'slack', to: 'C0NOPE', error: expect.stringContaining('channel_not_found') });
    expect(find('answer.refused').data).toMatchObject({ why: 'forbidden', responder: { channel: 'api', id: 'mallory' } });
    expect(find('answer.counted').data).toMatchObject({ votes: 1 });
    expect(find('request.resolved').data).toMatchObject({ value: 'approve', votes: 2 });
  });

  it('never shows a capability token', () => {
    const capability = web.split('/r/')[1]!;
    expect(JSON.stringify(log)).not.toContain(capability);
    expect(log.find((e) => e.type === 'answer.refused')!.data.value).toBe('[token]');
  });

  it('pages oldest first, two at a time, the pages adding up to the whole log', async () => {
    const all = await pages(id, 2);
    expect(all.length).toBe(Math.ceil(log.length / 2));
    expect(all.slice(0, -1).every((p) => p.length === 2)).toBe(true);
    expect(all.flat()).toEqual(log);
  });

  it('404s an unknown request, and 422s a bad cursor or limit naming it', async () => {
    expect((await logOf('req_00000000000000000000000000')).status).toBe(404);
    expect((await logOf('nonsense')).status).toBe(404);
    const badCursor = await logOf(id, '?cursor=bm90LWFuLWlk');
    expect(badCursor.status).toBe(422);
    expect(badCursor.body.errors).toEqual([{ path: 'cursor', message: expect.any(String) }]);
    const badLimit = await logOf(id, '?limit=0');
    expect(badLimit.status).toBe(422);
    expect(badLimit.body.errors[0].path).toBe('limit');
  });

  it('needs requests:read', async () => {
    const reader = await keyClient(t, 'auditor', ['requests:read']);
    expect((await logOf(id, '', reader)).status).toBe(200);
    const denied = await logOf(id, '', mallory);
    expect(denied.status).toBe(403);
    expect(denied.body.missing_scope).toBe('requests:read');
    expect((await t.api('GET', '/openapi.json')).body.paths['/v1/requests/{id}/log'].get).toBeDefined();
  });

  it('names who cancelled and who asked for a redelivery', async () => {
    const other = await t.api('POST', '/v1/requests', { title: 'Cancel me', recipients: [{ channel: 'web' }], callback_url: hook.url });
    expect((await t.api('POST', `/v1/requests/${other.body.id}/cancel`, { reason: 'superseded' })).status).toBe(200);
    await waitFor(async () => (await typesOf(other.body.id)).includes('callback.attempt'), 10_000, 'the webhook');
    await waitFor(async () => (await t.api('POST', `/v1/requests/${other.body.id}/callback/redeliver`)).status === 200, 10_000, 'a redelivery');
    const entries: Entry[] = (await logOf(other.body.id, '?limit=100')).body.data;
    expect(entries.find((e) => e.type === 'request.cancelled')).toMatchObject({ actor: 'api:SWITCHBOARD_API_KEY', data: { reason: 'superseded' } });
    expect(entries.find((e) => e.type === 'callback.redeliver')?.actor).toBe('api:SWITCHBOARD_API_KEY');
  });
});

describe('answers that count for nothing are in the log too', () => {
  it('a repeated vote, an answer after the close, and a channel\'s own refusal, each with its actor', async () => {
    const { body } = await t.api('POST', '/v1/requests', { title: 'Twice?', recipients: [{ channel: 'web' }], quorum: 2 });
    const answer = (value: string) => t.api('POST', `/v1/requests/${body.id}/responses`, { value });
    expect((await answer('approve')).status).toBe(200);
    expect((await answer('approve')).status).toBe(200);
    await t.hub.refuse(body.id, 'bad_token', { channel: 'sqs' });
    await t.hub.refuse(body.id, 'not_the_recipient', { channel: 'email', actor: 'email:eve@example.com' });
    expect((await answer('reject')).status).toBe(200);
    expect((await answer('approve')).status).toBe(409);
    const refused = ((await logOf(body.id, '?limit=100')).body.data as Entry[]).filter((e) => e.type === 'answer.refused');
    expect(refused.map((e) => [e.data.why, e.actor])).toEqual([
      ['repeated', 'api:SWITCHBOARD_API_KEY'],
      ['bad_token', 'sqs'],
      ['not_the_recipient', 'email:eve@example.com'],
      ['closed', 'api:SWITCHBOARD_API_KEY'],
    ]);
  });

  it('the answers that lost a race, as refused `closed`', async () => {
    const { body } = await t.api('POST', '/v1/requests', { title: 'Race', recipients: [{ channel: 'web' }] });
    const pending = (await t.hub.get(body.id))!;
    // Every answer is judged against the same pending read, so all but one reach the claim and lose it.
    const results = await Promise.all(['U1', 'U2', 'U3', 'U4'].map((id) =>
      t.hub.respond({ requestId: body.id, value: 'approve', responder: { channel: 'slack', id } }, pending)));
    const winner = results.find((r) => r.status === 'won')!.request.response!.responder.id;
    expect(results.filter((r) => r.status === 'closed')).toHaveLength(3);
    const entries: Entry[] = (await logOf(body.id, '?limit=100')).body.data;
    const losers = entries.filter((e) => e.type === 'answer.refused').map((e) => [e.data.why, e.actor]);
    expect(losers.sort()).toEqual(['U1', 'U2', 'U3', 'U4'].filter((id) => id !== winner).map((id) => ['closed', `slack:${id}`]));
    expect(entries.find((e) => e.type === 'request.resolved')?.actor).toBe(`slack:${winner}`);
  });
});

describe('the events table is append-only', () => {
  it('refuses UPDATE, DELETE and TRUNCATE', async () => {
    await expect(t.sql`update events set type = 'forged'`).rejects.toThrow(/append-only/);
    await expect(t.sql`delete from events`).rejects.toThrow(/append-only/);
    await expect(t.sql`truncate events`).rejects.toThrow(/append-only/);
  });

  it('no code updates or deletes events', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : f.endsWith('.ts') ? [join(dir, f)] : []));
    const offenders = ['src', 'channels'].flatMap(files).filter((f) => /(update|delete\s+from|truncate)\s+events\b/i.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });
});
