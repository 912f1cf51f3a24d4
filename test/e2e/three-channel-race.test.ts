// One request in Slack, Telegram and Discord, answered in all three at the same moment: a Slack click
// (signed as Slack signs it), a Telegram tap (POSTed by the fake Bot API to the hub's webhook) and a
// Discord click (signed with the application's Ed25519 key, its HTTP answer taken as the interaction's
// callback). Postgres picks one winner; each loser is told privately who decided (a Slack ephemeral,
// the tap's toast, a Discord ephemeral reply), and all three copies end up showing the outcome
// without buttons.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discordText } from '../../channels/discord/render.js';
import { ACTION } from '../../channels/slack/codec.js';
import { slackText } from '../../channels/slack/outcome.js';
import { setWebhookCommand } from '../../channels/telegram/index.js';
import { closedReason, outcomeLine } from '../../src/domain/outcome-text.js';
import { outcomeOf, type Request } from '../../src/domain/types.js';
import { FakeDiscord, visibleText } from '../fakes/discord.js';
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
const discord = new FakeDiscord();
let t: TestHub;

beforeAll(async () => {
  await Promise.all([slack.start(), telegram.start(), discord.start()]);
  const env = {
    SLACK_BOT_TOKEN: slack.token,
    SLACK_SIGNING_SECRET: SLACK_SECRET,
    SLACK_API_URL: slack.url,
    TELEGRAM_BOT_TOKEN: telegram.token,
    TELEGRAM_API_ROOT: telegram.url,
    TELEGRAM_MODE: 'webhook',
    TELEGRAM_WEBHOOK_SECRET: TELEGRAM_SECRET,
    DISCORD_BOT_TOKEN: discord.token,
    DISCORD_PUBLIC_KEY: discord.signer.publicKeyHex,
    DISCORD_APPLICATION_ID: discord.applicationId,
    DISCORD_API_URL: discord.url,
  };
  t = await startTestHub({ env });
  // As an operator would: `switchboard telegram set-webhook` registers PUBLIC_URL/telegram/webhook with Telegram.
  await setWebhookCommand({ ...env, PUBLIC_URL: t.baseUrl }, () => {});
});

afterAll(async () => {
  await t?.stop();
  await Promise.all([slack.stop(), telegram.stop(), discord.stop()]);
});

const VISIBLE = { escape: (s: string) => s, strong: (s: string) => s };

describe('a Slack click, a Telegram tap and a Discord click on one request', () => {
  it('one wins; the others are told who decided; all three copies show the outcome without buttons', async () => {
    const created = await t.api('POST', '/v1/requests', {
      title: 'Deploy v2.3 to production?',
      body: 'Changes: **payments** retry fix',
      recipients: [
        { channel: 'slack', to: SLACK_CHANNEL },
        { channel: 'telegram', to: String(telegram.group.id) },
        { channel: 'discord', to: discord.channel },
      ],
    });
    expect(created.status).toBe(201);
    const id: string = created.body.id;

    const refs = await waitFor(async () => {
      const rows = await t.sql`select channel, status, ref from deliveries where request_id = ${id} order by channel`;
      return rows.length === 3 && rows.every((r) => r.status === 'delivered') ? rows : undefined;
    }, 15_000, 'all three deliveries');
    const refOf = (channel: string) => refs.find((r) => r.channel === channel)!.ref as Record<string, string | number>;
    const slackRef = refOf('slack') as { channel: string; ts: string };
    const telegramRef = refOf('telegram');
    const discordRef = refOf('discord');
    const slackCopy = () => slack.message(slackRef.channel, slackRef.ts)!;
    const telegramCopy = () => telegram.message(Number(telegramRef.chat_id), Number(telegramRef.message_id))!;
    const discordCopy = () => discord.message(String(discordRef.channel_id), String(discordRef.message_id))!;
    const discordButtons = () => ((discordCopy().message.components as { components: { label?: string }[] }[]) ?? []).flatMap((r) => r.components);
    expect(slackCopy().blocks.some((b) => b.type === 'actions')).toBe(true);
    expect(telegramCopy().message.reply_markup?.inline_keyboard.flat().map((b) => b.text)).toEqual(['Approve', 'Reject']);
    expect(discordButtons().map((b) => b.label)).toEqual(['Approve', 'Reject']);

    // Ana approves in Slack, Ben rejects in Telegram and Ana (ops) approves in Discord, at the same moment.
    const click = blockActions(slack, { ...slackRef, user: 'U0ANA', actionId: `${ACTION.optionPrefix}0` });
    const tap = telegram.callbackQuery({ message: telegramCopy(), from: telegram.users.ben, button: 'Reject' });
    const discordClick = discord.click({ message: discordCopy(), person: discord.users.ana, label: 'Approve' });
    const [clicked, tapped, discordAnswer] = await Promise.all([
      postPayload(`${t.baseUrl}/slack/events`, click, { secret: SLACK_SECRET }),
      telegram.send(tap),
      discord.send(`${t.baseUrl}/discord/interactions`, discordClick),
    ]);
    expect(clicked.status).toBe(200);
    expect(tapped).toMatchObject({ via: 'webhook', status: 200 });
    expect(discordAnswer.status).toBe(200);
    expect(discordAnswer.refused).toBeUndefined();

    const final = await waitFor(async () => {
      const r = (await t.api('GET', `/v1/requests/${id}`)).body as Request;
      return r.state === 'resolved' ? r : undefined;
    }, 10_000, 'the request resolved');
    const winner = final.response!.responder.channel;
    expect(['slack', 'telegram', 'discord']).toContain(winner);
    const expected = {
      slack: { value: 'approve', responder: { channel: 'slack', id: 'U0ANA' } },
      telegram: { value: 'reject', responder: { channel: 'telegram', id: String(telegram.users.ben.id), name: 'ben_okafor' } },
      discord: { value: 'approve', responder: { channel: 'discord', id: discord.users.ana.user.id, name: 'Ana (ops)' } },
    };
    expect(final.response).toMatchObject(expected[winner as keyof typeof expected]);
    const events = await t.sql`select type from events where request_id = ${id} order by id`;
    expect(events.filter((e) => e.type === 'request.resolved')).toHaveLength(1);

    // Discord had its answer within its 3 s, whoever won; the tap was answered within Telegram's second.
    const discordAck = discord.callbacksOf(discordClick.id)[0];
    expect(discordAck?.afterMs).toBeLessThan(3000);
    const answer = await waitFor(() => telegram.answerTo(tap.callback_query!.id), 5000, 'the tap answered');
    expect(answer.afterMs).toBeLessThan(1000);

    // Each loser hears, privately, who decided.
    if (winner !== 'telegram') expect(answer.text).toBe(closedReason(final));
    if (winner !== 'slack') {
      const told = await waitFor(() => slack.ephemerals.find((e) => e.user === 'U0ANA'), 5000, 'the Slack ephemeral');
      expect(told.text).toBe(closedReason(final, slackText));
    }
    if (winner !== 'discord') {
      const told = await waitFor(() => discord.ephemerals.find((e) => e.interactionId === discordClick.id), 5000, 'the Discord ephemeral');
      expect(told.content).toBe(closedReason(final, discordText));
      expect(told.userId).toBe(discord.users.ana.user.id);
    }

    // All three copies settled: the outcome shown, the buttons gone, every delivery recorded as settled.
    const outcome = outcomeLine(final, outcomeOf(final)!, VISIBLE);
    const decided = final.response!.value === 'approve' ? 'Approved by' : 'Rejected by';
    await waitFor(() => !telegramCopy().message.reply_markup && telegramCopy().message.text?.includes(outcome), 10_000, 'the Telegram copy settled');
    await waitFor(() => !slackCopy().blocks.some((b) => b.type === 'actions'), 10_000, 'the Slack copy settled');
    await waitFor(() => discordButtons().length === 0 && visibleText(discordCopy().message).includes(decided), 10_000, 'the Discord copy settled');
    expect(JSON.stringify(slackCopy().blocks)).toContain(decided);
    await waitFor(async () => {
      const rows = await t.sql`select status from deliveries where request_id = ${id}`;
      return rows.length === 3 && rows.every((r) => r.status === 'settled');
    }, 10_000, 'all three deliveries settled');
  });
});
