// Channel.remind against each platform's fake, with an in-memory hub: the nudge is a reply to the
// delivered message on its own platform (Slack thread, Discord reply, email in the thread).
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discord, type DiscordChannel } from '../../channels/discord/index.js';
import { email, type EmailChannel } from '../../channels/email/index.js';
import type { SlackChannel } from '../../channels/slack/index.js';
import { startPlugin, type StartedChannel } from '../channels/start.js';
import { FakeDiscord } from '../fakes/discord.js';
import { MemoryHub } from '../fakes/memory-hub.js';
import { FakeSlack } from '../fakes/slack.js';
import { startSlackChannel } from '../fakes/slack-hub.js';
import { FakeSmtp } from '../fakes/smtp.js';
import { makeRequest } from '../helpers/fixtures.js';
import { freePort } from '../helpers/services.js';

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const hub = new MemoryHub({ publicUrl: 'https://hub.example.com' });
const inAnHour = () => new Date(Date.now() + 3600_000).toISOString();
const REMINDER = /Reminder: this request is still waiting for an answer — due (\d{4}-\d\d-\d\d )?\d\d:\d\d UTC/;

describe('Slack', () => {
  const fake = new FakeSlack();
  let started: StartedChannel & { channel: SlackChannel };
  beforeAll(async () => {
    await fake.start();
    started = await startSlackChannel(fake, hub, { SLACK_SIGNING_SECRET: 'test-signing-secret-0123456789' });
  });
  afterAll(async () => {
    await started?.stop();
    await fake.stop();
  });

  it('replies in the message thread, mentioning the approvers who are Slack users', async () => {
    const req = hub.add(makeRequest({ recipients: [{ channel: 'slack', to: 'C0APPROVALS' }], approvers: ['slack:U0ANA', 'email:ana@example.com', 'slack:U0BEN'], expires_at: inAnHour() }));
    const ref = (await started.channel.deliver(req, 'C0APPROVALS', 0)) as { channel: string; ts: string };
    await started.channel.remind(req, ref, 0);
    const call = fake.callsTo('chat.postMessage').at(-1)!;
    expect(call.args).toMatchObject({ channel: 'C0APPROVALS', thread_ts: ref.ts });
    expect(call.args.text).toMatch(new RegExp(`^<@U0ANA> <@U0BEN> ${REMINDER.source}$`));
    expect(call.status).toBe(200);
  });
});

describe('Discord', () => {
  const fake = new FakeDiscord();
  let started: StartedChannel;
  beforeAll(async () => {
    await fake.start();
    const env = {
      DISCORD_BOT_TOKEN: fake.token, DISCORD_PUBLIC_KEY: fake.signer.publicKeyHex, DISCORD_APPLICATION_ID: fake.applicationId,
      DISCORD_API_URL: fake.url, PUBLIC_URL: 'https://hub.example.com',
    };
    started = await startPlugin(discord, { env, hub, log });
  });
  afterAll(async () => {
    await started?.stop();
    await fake.stop();
  });

  it('replies to the message, pinging only the approvers who are Discord users', async () => {
    const channel = started.channel as DiscordChannel;
    const req = hub.add(makeRequest({ recipients: [{ channel: 'discord', to: fake.channel }], approvers: ['discord:123456789012345678', 'slack:U0ANA'], expires_at: inAnHour() }));
    const ref = (await channel.deliver(req, fake.channel, 0)) as { channel_id: string; message_id: string };
    await channel.remind(req, ref, 0);
    const call = fake.callsTo('POST /channels/{id}/messages').at(-1)!;
    expect(call.status).toBe(200);
    expect(call.body).toMatchObject({
      message_reference: { message_id: ref.message_id },
      allowed_mentions: { parse: [], users: ['123456789012345678'] },
    });
    expect((call.body as { content: string }).content).toMatch(new RegExp(`^<@123456789012345678> ⏰ ${REMINDER.source}$`));
  });
});

describe('email', () => {
  const smtp = new FakeSmtp();
  let started: StartedChannel;
  beforeAll(async () => {
    await smtp.start();
    // Replies on (a Reply-To per delivery) needs IMAP_URL; nothing listens there, the inbox just keeps retrying.
    const env = { SMTP_URL: smtp.url, EMAIL_FROM: 'Switchboard <approvals@example.com>', EMAIL_REPLY_TO: 'approvals@example.com', IMAP_URL: `imap://u:p@127.0.0.1:${await freePort()}` };
    started = await startPlugin(email, { env, hub, log });
  });
  afterAll(async () => {
    await started?.stop();
    await smtp.stop();
  });

  it('follows up in the thread, with the reply address that still decides', async () => {
    const channel = started.channel as EmailChannel;
    const req = hub.add(makeRequest({ recipients: [{ channel: 'email', to: 'ana@example.com' }], expires_at: inAnHour() }));
    const ref = (await channel.deliver(req, 'ana@example.com', 0)) as { message_id: string };
    await channel.remind(req, ref, 1);
    const [original, reminder] = await smtp.waitForMessages((m) => m.envelope.to.includes('ana@example.com'), 2);
    expect(reminder!.mail.inReplyTo).toBe(ref.message_id);
    expect(reminder!.mail.subject).toBe(`Re: ${original!.mail.subject}`);
    expect(reminder!.mail.messageId).toMatch(/\.notice\.reminder-1@example\.com>$/);
    expect(reminder!.mail.replyTo?.text).toBe(original!.mail.replyTo?.text);
    expect(reminder!.mail.replyTo?.text).toMatch(/^approvals\+[a-z0-9-]+@example\.com$/);
    expect(reminder!.mail.text).toMatch(REMINDER);
    expect(reminder!.mail.text).toContain('https://hub.example.com/r/');
  });
});
