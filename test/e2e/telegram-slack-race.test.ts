// One request in Slack and in Telegram, answered in both at the same moment: a Slack click (signed as
// Slack signs it) and a Telegram tap (POSTed by the fake Bot API to the hub's webhook with the secret
// header). Postgres picks one winner; the loser is told privately who decided (a Slack ephemeral, or
// the tap's answerCallbackQuery toast), and both copies end up showing the outcome without buttons.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION } from '../../channels/slack/codec.js';
import { slackText } from '../../channels/slack/outcome.js';
import { setWebhookCommand } from '../../channels/telegram/index.js';
import { closedReason, outcomeLine } from '../../src/domain/outcome-text.js';
import { outcomeOf, type Request } from '../../src/domain/types.js';
import { FakeSlack } from '../fakes/slack.js';
import { blockActions, postPayload } from '../fakes/slack-payloads.js';
import { FakeTelegram } from '../fakes/telegram.js';
import { startTestHub, type TestHub } from '../helpers/harness.js';
import { waitFor } from '../helpers/services.js';

const SLACK_SECRET = 'race-signing-secret-0123456789';
const TELEGRAM_SECRET = 'race-webhook-secret_0123456789';
const SLACK_CHANNEL = 'C0APPROVALS';

const slack = new FakeSlack();
const telegram = new FakeTelegram();
let t: TestHub;

beforeAll(async () => {
  await Promise.all([slack.start(), telegram.start()]);
  const env = {
    SLACK_BOT_TOKEN: slack.token,
    SLACK_SIGNING_SECRET: SLACK_SECRET,
    SLACK_API_URL: slack.url,
    TELEGRAM_BOT_TOKEN: telegram.token,
    TELEGRAM_API_ROOT: telegram.url,
    TELEGRAM_MODE: 'webhook',
    TELEGRAM_WEBHOOK_SECRET: TELEGRAM_SECRET,
  };
  t = await startTestHub({ env });
  // As an operator would: `switchboard telegram set-webhook` registers PUBLIC_URL/telegram/webhook with Telegram.
  await setWebhookCommand({ ...env, PUBLIC_URL: t.baseUrl }, () => {});
});

afterAll(async () => {
  await t?.stop();
  await Promise.all([slack.stop(), telegram.stop()]);
});

const VISIBLE = { escape: (s: string) => s, strong: (s: string) => s };

describe('a Slack click and a Telegram tap on one request', () => {
  it('one wins; the other is told who decided; both copies show the outcome without buttons', async () => {
    const created = await t.api('POST', '/v1/requests', {
      title: 'Deploy v2.3 to production?',
      body: 'Changes: **payments** retry fix',
      recipients: [
        { channel: 'slack', to: SLACK_CHANNEL },
        { channel: 'telegram', to: String(telegram.group.id) },
      ],
    });
    expect(created.status).toBe(201);
    const id: string = created.body.id;

    const refs = await waitFor(async () => {
      const rows = await t.sql`select channel, status, ref from deliveries where request_id = ${id} order by channel`;
      return rows.length === 2 && rows.every((r) => r.status === 'delivered') ? rows : undefined;
    }, 15_000, 'both deliveries');
    const slackRef = refs.find((r) => r.channel === 'slack')!.ref as { channel: string; ts: string };
    const telegramRef = refs.find((r) => r.channel === 'telegram')!.ref as { chat_id: number; message_id: number };
    const slackCopy = () => slack.message(slackRef.channel, slackRef.ts)!;
    const telegramCopy = () => telegram.message(Number(telegramRef.chat_id), Number(telegramRef.message_id))!;
    expect(slackCopy().blocks.some((b) => b.type === 'actions')).toBe(true);
    expect(telegramCopy().message.reply_markup?.inline_keyboard.flat().map((b) => b.text)).toEqual(['Approve', 'Reject']);

    // Ana approves in Slack while Ben rejects in Telegram, at the same moment.
    const click = blockActions(slack, { ...slackRef, user: 'U0ANA', actionId: `${ACTION.optionPrefix}0` });
    const tap = telegram.callbackQuery({ message: telegramCopy(), from: telegram.users.ben, button: 'Reject' });
    const [clicked, tapped] = await Promise.all([postPayload(`${t.baseUrl}/slack/events`, click, { secret: SLACK_SECRET }), telegram.send(tap)]);
    expect(clicked.status).toBe(200);
    expect(tapped).toMatchObject({ via: 'webhook', status: 200 });

    const final = await waitFor(async () => {
      const r = (await t.api('GET', `/v1/requests/${id}`)).body as Request;
      return r.state === 'resolved' ? r : undefined;
    }, 10_000, 'the request resolved');
    const winner = final.response!.responder.channel;
    expect(['slack', 'telegram']).toContain(winner);
    expect(final.response).toMatchObject(
      winner === 'slack'
        ? { value: 'approve', responder: { channel: 'slack', id: 'U0ANA' } }
        : { value: 'reject', responder: { channel: 'telegram', id: String(telegram.users.ben.id), name: 'ben_okafor' } },
    );
    const events = await t.sql`select type from events where request_id = ${id} order by id`;
    expect(events.filter((e) => e.type === 'request.resolved')).toHaveLength(1);

    // The loser hears, privately, who decided; the tap was answered within Telegram's second either way.
    const answer = await waitFor(() => telegram.answerTo(tap.callback_query!.id), 5000, 'the tap answered');
    expect(answer.afterMs).toBeLessThan(1000);
    if (winner === 'slack') {
      expect(answer.text).toBe(closedReason(final));
      expect(answer.text).toMatch(/^Already approved by .* via Slack\.$/);
    } else {
      const told = await waitFor(() => slack.ephemerals.find((e) => e.user === 'U0ANA'), 5000, 'the Slack ephemeral');
      expect(told.text).toBe(closedReason(final, slackText));
      expect(told.text).toMatch(/^Already rejected by ben_okafor via Telegram\.$/);
    }

    // Both copies settled: the outcome shown, the buttons gone, both deliveries recorded as settled.
    const outcome = outcomeLine(final, outcomeOf(final)!, VISIBLE);
    await waitFor(() => !telegramCopy().message.reply_markup && telegramCopy().message.text?.includes(outcome), 10_000, 'the Telegram copy settled');
    await waitFor(() => !slackCopy().blocks.some((b) => b.type === 'actions'), 10_000, 'the Slack copy settled');
    expect(JSON.stringify(slackCopy().blocks)).toContain(winner === 'slack' ? 'Approved by' : 'Rejected by');
    await waitFor(async () => {
      const rows = await t.sql`select status from deliveries where request_id = ${id}`;
      return rows.every((r) => r.status === 'settled');
    }, 10_000, 'both deliveries settled');
  });
});
