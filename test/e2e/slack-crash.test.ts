import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../fakes/slack.js';
import { blockActions, postPayload } from '../fakes/slack-payloads.js';
import { dumpOnFailure, hubApi, killHubProcesses, startHubProcess, withTimeout } from '../helpers/hub-process.js';
import { dropRedisKeys, freshDatabase, suffix, waitFor } from '../helpers/services.js';

// A hub killed with SIGKILL while chat.postMessage is in flight: Slack has the message, the hub never
// heard back. The next hub process recovers the delivery within seconds, finds that message by its
// metadata instead of posting a second copy, records it, and a click on it decides.

const SECRET = 'crash-signing-secret-0123456789';

const fake = new FakeSlack();
const apiKey = `sb_e2e_${suffix()}${suffix()}`;
const prefix = `sbe2e_slack_${suffix()}`;
let db: { url: string; drop(): Promise<void> };
let sql: postgres.Sql;

beforeAll(async () => {
  await fake.start();
  db = await freshDatabase();
  sql = postgres(db.url, { max: 2, onnotice: () => {} });
});

afterAll(async () => {
  await killHubProcesses();
  await fake.stop();
  await sql?.end({ timeout: 2 });
  await db?.drop();
  await dropRedisKeys(`${prefix}:*`);
});

describe('crash during a Slack post', () => {
  it('a hub killed mid chat.postMessage: the next one recovers the delivery within seconds, without a second post, and the copy decides', async () => {
    dumpOnFailure();
    const env = {
      DATABASE_URL: db.url,
      SWITCHBOARD_QUEUE_PREFIX: prefix,
      SWITCHBOARD_API_KEY: apiKey,
      SLACK_BOT_TOKEN: fake.token,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: fake.url,
    };
    const first = await startHubProcess('hub-1', env);
    fake.holdNext('chat.postMessage');
    const created = await hubApi(first, apiKey, 'POST', '/v1/requests', { title: 'Deploy v2.3 to production?', recipients: [{ channel: 'slack', to: 'C0APPROVALS' }] });
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    const ofRequest = () => [...fake.messages.values()].filter((m) => JSON.stringify(m.blocks).includes(id));

    // Slack has the message; the answer never leaves it. Then the process dies.
    await waitFor(() => fake.callsTo('chat.postMessage').some((c) => c.held), 15_000, 'the post in flight');
    expect(ofRequest()).toHaveLength(1);
    first.proc.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await withTimeout(first.exit, 10_000, 'hub-1 to die')).toEqual({ code: null, signal: 'SIGKILL' });
    const [before] = await sql`select status, ref from deliveries where request_id = ${id}`;
    expect(before).toMatchObject({ status: 'queued', ref: null });

    const second = await startHubProcess('hub-2', env);
    const recorded = await waitFor(async () => {
      const [row] = await sql`select status, ref from deliveries where request_id = ${id}`;
      return row?.status === 'delivered' ? row : undefined;
    }, 90_000, 'the delivery recovered');
    const recoveredAfter = Date.now() - killedAt;

    // One post in Slack, found again by its metadata, and recorded with its ts.
    const [message] = ofRequest();
    expect(ofRequest()).toHaveLength(1);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
    expect(message!.metadata).toMatchObject({ event_type: 'switchboard_request', event_payload: { request_id: id } });
    expect(fake.callsTo('conversations.history').at(-1)!.args).toMatchObject({ channel: 'C0APPROVALS', include_all_metadata: 'true' });
    expect(recorded.ref).toEqual({ channel: 'C0APPROVALS', ts: message!.ts });

    // A click on that copy decides, and the copy is settled.
    const click = await postPayload(`${second.baseUrl}/slack/events`, blockActions(fake, { channel: message!.channel, ts: message!.ts, user: 'U0ANA', actionId: 'sb:opt:0' }), { secret: SECRET });
    expect(click.status).toBe(200);
    await waitFor(async () => (await sql`select state from requests where id = ${id}`)[0]?.state === 'resolved', 10_000, 'the click to decide');
    const [decided] = await sql`select response from requests where id = ${id}`;
    expect(decided!.response).toMatchObject({ value: 'approve', responder: { channel: 'slack', id: 'U0ANA' } });
    await waitFor(async () => (await sql`select status from deliveries where request_id = ${id}`)[0]?.status === 'settled', 10_000, 'the delivery settled');
    expect(fake.message(message!.channel, message!.ts)!.blocks.some((b: any) => b.type === 'actions')).toBe(false);

    // Recovered within about 15 s of the kill (the second process's own start-up included).
    expect(recoveredAfter).toBeLessThan(15_000);
  }, 150_000);
});
