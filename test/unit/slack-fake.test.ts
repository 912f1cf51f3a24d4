// The fake Slack must answer as Slack does, or the channel tests prove nothing: check it through the
// real WebClient and Bolt's own signature verifier.
import { isValidSlackRequest, webApi } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../fakes/slack.js';
import { blockActions, formBody, slackSignature, viewSubmission } from '../fakes/slack-payloads.js';
import { waitFor } from '../helpers/services.js';

const fake = new FakeSlack();
let web: InstanceType<typeof webApi.WebClient>;

beforeAll(async () => {
  const url = await fake.start();
  web = new webApi.WebClient(fake.token, { slackApiUrl: url, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
});
afterAll(() => fake.stop());

const platformError = async (p: Promise<unknown>) => {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(webApi.WebAPIPlatformError);
  return (err as InstanceType<typeof webApi.WebAPIPlatformError>).data;
};

describe('fake Slack Web API', () => {
  it('answers auth.test with the bot identity and the scopes header', async () => {
    const res = await web.auth.test();
    expect(res).toMatchObject({ ok: true, team_id: fake.teamId, user_id: fake.botUserId, bot_id: fake.botId, user: 'switchboard' });
    expect(res.response_metadata?.scopes).toEqual(['chat:write', 'chat:write.public', 'im:write', 'users:read', 'channels:history', 'groups:history', 'im:history']);
  });

  it('refuses a wrong token the way Slack does (HTTP 200, ok:false)', async () => {
    const other = new webApi.WebClient('xoxb-wrong', { slackApiUrl: fake.url, retryConfig: { retries: 0 } });
    expect((await platformError(other.auth.test())).error).toBe('invalid_auth');
  });

  it('posts to a channel by id or #name, stores the message and gives block ids', async () => {
    const a = await web.chat.postMessage({ channel: '#approvals', text: 'hi', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'hi' } }] });
    expect(a).toMatchObject({ ok: true, channel: 'C0APPROVALS', message: { text: 'hi', bot_id: fake.botId } });
    expect(fake.message('C0APPROVALS', a.ts!)?.blocks[0].block_id).toEqual(expect.any(String));
    expect((await platformError(web.chat.postMessage({ channel: 'C0NOPE', text: 'x' }))).error).toBe('channel_not_found');
  });

  it('rejects blocks Slack would reject, with Slack\'s error shape', async () => {
    const blocks = Array.from({ length: 51 }, () => ({ type: 'divider' as const }));
    const data = await platformError(web.chat.postMessage({ channel: 'C0APPROVALS', text: 'x', blocks }));
    expect(data.error).toBe('invalid_blocks');
    expect((data as any).errors[0]).toContain('[json-pointer:/blocks]');
    const button = { type: 'actions' as const, elements: [{ type: 'button' as const, action_id: 'a', text: { type: 'plain_text' as const, text: 'x' }, value: 'v'.repeat(2001) }] };
    expect((await platformError(web.chat.postMessage({ channel: 'C0APPROVALS', text: 'x', blocks: [button] }))).error).toBe('invalid_blocks');
  });

  it('returns 429 with Retry-After when told to, again inside that window, then recovers', async () => {
    fake.rateLimit('chat.postMessage', 1, 1);
    const rateLimited = async () => {
      const err = await web.chat.postMessage({ channel: 'C0APPROVALS', text: 'x' }).catch((e: unknown) => e);
      return err instanceof webApi.WebAPIRateLimitedError ? err.retryAfter : undefined;
    };
    expect(await rateLimited()).toBe(1);
    expect(await rateLimited()).toBe(1);
    expect(fake.callsTo('chat.postMessage').slice(-2).map((c) => [c.status, c.early])).toEqual([[429, false], [429, true]]);
    await waitFor(async () => (await rateLimited()) === undefined, 3000, 'the window to pass');
    expect(fake.callsTo('chat.postMessage').at(-1)!.status).toBe(200);
  });

  it('rate limits one channel and leaves the others alone', async () => {
    fake.addChannel('C0OTHER', 'other');
    fake.addChannel('C0LIMITED', 'limited');
    fake.rateLimit('chat.postMessage', 1, 1, 'C0LIMITED');
    expect(await web.chat.postMessage({ channel: 'C0OTHER', text: 'x' }).then((r) => r.ok)).toBe(true);
    expect(await web.chat.postMessage({ channel: '#limited', text: 'x' }).catch((e: unknown) => e)).toBeInstanceOf(webApi.WebAPIRateLimitedError);
    expect(await web.chat.postMessage({ channel: 'C0OTHER', text: 'y' }).then((r) => r.ok)).toBe(true);
    expect(await web.chat.postMessage({ channel: 'C0LIMITED', text: 'x' }).catch((e: unknown) => e)).toBeInstanceOf(webApi.WebAPIRateLimitedError);
  });

  it('updates messages and reports message_not_found for deleted ones', async () => {
    const { ts } = await web.chat.postMessage({ channel: 'C0APPROVALS', text: 'v1' });
    await web.chat.update({ channel: 'C0APPROVALS', ts: ts!, text: 'v2' });
    expect(fake.message('C0APPROVALS', ts!)).toMatchObject({ text: 'v2', updates: 1 });
    fake.deleteMessage('C0APPROVALS', ts!);
    expect((await platformError(web.chat.update({ channel: 'C0APPROVALS', ts: ts!, text: 'v3' }))).error).toBe('message_not_found');
  });

  it('opens DMs, looks up users and refuses a missing scope', async () => {
    expect((await web.conversations.open({ users: 'U0ANA' })).channel?.id).toBe('D0ANA');
    expect((await web.users.info({ user: 'U0ANA' })).user?.profile?.display_name).toBe('Ana');
    expect((await platformError(web.users.info({ user: 'U0NOBODY' }))).error).toBe('user_not_found');
    const all = fake.scopes;
    fake.scopes = ['chat:write'];
    try {
      const data = await platformError(web.conversations.open({ users: 'U0BEN' }));
      expect(data).toMatchObject({ error: 'missing_scope', needed: 'im:write' });
    } finally {
      fake.scopes = all;
    }
  });

  it('keeps message metadata, and returns it from conversations.history only with include_all_metadata', async () => {
    fake.addChannel('C0META', 'meta');
    const metadata = { event_type: 'switchboard_request', event_payload: { request_id: 'req_1', delivery_id: 'dlv_1' } };
    const { ts } = await web.chat.postMessage({ channel: 'C0META', text: 'x', metadata });
    await web.chat.update({ channel: 'C0META', ts: ts!, text: 'edited' });
    const bare = await web.conversations.history({ channel: 'C0META' });
    expect(bare.messages).toEqual([expect.not.objectContaining({ metadata: expect.anything() })]);
    const full = await web.conversations.history({ channel: 'C0META', include_all_metadata: true });
    expect(full).toMatchObject({ ok: true, has_more: false, pin_count: 0, messages: [{ ts, text: 'edited', bot_id: fake.botId, user: fake.botUserId, metadata }] });
    const bad = await platformError(web.chat.postMessage({ channel: 'C0META', text: 'x', metadata: { event_type: 'x' } }));
    expect(bad.error).toBe('invalid_metadata_format');
  });

  it('pages conversations.history newest first, within oldest, by cursor', async () => {
    fake.addChannel('C0PAGES', 'pages');
    const before = fake.say('C0PAGES', 'U0ANA', 'before');
    const oldest = before.ts;
    const said = Array.from({ length: 5 }, (_, i) => fake.say('C0PAGES', 'U0BEN', `m${i}`).ts);
    const first = await web.conversations.history({ channel: 'C0PAGES', oldest, limit: 2 });
    expect(first.messages!.map((m) => m.ts)).toEqual([said[4], said[3]]);
    expect(first.has_more).toBe(true);
    const second = await web.conversations.history({ channel: 'C0PAGES', oldest, limit: 2, cursor: first.response_metadata!.next_cursor });
    expect(second.messages!.map((m) => m.ts)).toEqual([said[2], said[1]]);
    const third = await web.conversations.history({ channel: 'C0PAGES', oldest, limit: 2, cursor: second.response_metadata!.next_cursor });
    expect(third.messages!.map((m) => m.ts)).toEqual([said[0]]);
    expect(third.has_more).toBe(false);
    expect((await platformError(web.conversations.history({ channel: 'C0PAGES', cursor: 'bm9wZQ==' }))).error).toBe('invalid_cursor');
  });

  it('conversations.history needs the history scope of the conversation type, and membership', async () => {
    fake.addChannel('C0NOTJOINED', 'notjoined', { member: false });
    expect((await platformError(web.conversations.history({ channel: 'C0NOTJOINED' }))).error).toBe('not_in_channel');
    expect((await platformError(web.conversations.history({ channel: '#approvals' }))).error).toBe('channel_not_found');
    const all = fake.scopes;
    fake.scopes = all.filter((s) => s !== 'im:history');
    try {
      await web.conversations.open({ users: 'U0ANA' });
      expect(await platformError(web.conversations.history({ channel: 'D0ANA' }))).toMatchObject({ error: 'missing_scope', needed: 'im:history' });
      expect((await web.conversations.history({ channel: 'C0APPROVALS' })).ok).toBe(true);
    } finally {
      fake.scopes = all;
    }
  });

  it('holdNext: the post takes effect but the answer never comes', async () => {
    fake.addChannel('C0HOLD', 'hold');
    fake.holdNext('chat.postMessage');
    const slow = new webApi.WebClient(fake.token, { slackApiUrl: fake.url, retryConfig: { retries: 0 }, timeout: 300 });
    const metadata = { event_type: 'switchboard_request', event_payload: { request_id: 'req_2', delivery_id: 'dlv_2' } };
    expect(await slow.chat.postMessage({ channel: 'C0HOLD', text: 'x', metadata }).catch((e: unknown) => e)).toBeInstanceOf(Error);
    const held = fake.callsTo('chat.postMessage').at(-1)!;
    expect([held.held, held.status]).toEqual([true, undefined]);
    const history = await web.conversations.history({ channel: 'C0HOLD', include_all_metadata: true });
    expect(history.messages).toMatchObject([{ metadata }]);
    expect((await web.chat.postMessage({ channel: 'C0HOLD', text: 'next' })).ok).toBe(true);
  });

  it('opens a modal once per fresh trigger_id', async () => {
    const view = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'T' }, blocks: [] };
    expect((await platformError(web.views.open({ trigger_id: 'made-up', view }))).error).toBe('invalid_trigger_id');
    const trigger = fake.issueTrigger('U0ANA');
    expect((await web.views.open({ trigger_id: trigger, view })).view?.id).toMatch(/^V/);
    expect((await platformError(web.views.open({ trigger_id: trigger, view }))).error).toBe('expired_trigger_id');
  });

  it('builds interaction payloads from its own state and signs them as Bolt expects', async () => {
    const blocks = [{ type: 'actions' as const, block_id: 'b1', elements: [{ type: 'button' as const, action_id: 'go', value: 'req_1:0', text: { type: 'plain_text' as const, text: 'Go' } }] }];
    const { ts } = await web.chat.postMessage({ channel: 'C0APPROVALS', text: 'x', blocks });
    const payload = blockActions(fake, { channel: 'C0APPROVALS', ts: ts!, user: 'U0ANA', actionId: 'go' }) as any;
    expect(payload.actions[0]).toMatchObject({ type: 'button', action_id: 'go', block_id: 'b1', value: 'req_1:0' });
    expect(payload.container).toMatchObject({ channel_id: 'C0APPROVALS', message_ts: ts });
    const body = formBody(payload);
    const now = Date.now();
    const headers = { 'x-slack-signature': slackSignature('s3cret', Math.floor(now / 1000), body), 'x-slack-request-timestamp': Math.floor(now / 1000) };
    expect(isValidSlackRequest({ signingSecret: 's3cret', body, headers, nowMilliseconds: now })).toBe(true);
    expect(isValidSlackRequest({ signingSecret: 'other', body, headers, nowMilliseconds: now })).toBe(false);

    const input = { type: 'input' as const, block_id: 'pick', label: { type: 'plain_text' as const, text: 'Pick' }, element: { type: 'radio_buttons' as const, action_id: 'v', options: [{ text: { type: 'plain_text' as const, text: 'A' }, value: 'a' }] } };
    const opened = await web.views.open({ trigger_id: payload.trigger_id, view: { type: 'modal', title: { type: 'plain_text', text: 'T' }, submit: { type: 'plain_text', text: 'OK' }, blocks: [input] } });
    const submission = viewSubmission(fake, opened.view!.id!, { pick: 'a' }) as any;
    expect(submission.view.state.values).toEqual({ pick: { v: { type: 'radio_buttons', selected_option: input.element.options[0] } } });
  });
});
