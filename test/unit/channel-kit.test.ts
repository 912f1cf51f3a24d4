// The channel kit (channels/kit/): settings and off reasons, the registry built from them, raw-body
// routes with problem+json replies, the ack deadline, the duplicate guard's fallback, the reply mapping.
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createChannels } from '../../channels/index.js';
import { AckDeadline } from '../../channels/kit/ack.js';
import { DuplicateGuard } from '../../channels/kit/duplicate-guard.js';
import { problem } from '../../channels/kit/problem.js';
import { rawPost } from '../../channels/kit/raw-route.js';
import { answerReply } from '../../channels/kit/reply.js';
import { emailSettings } from '../../channels/email/config.js';
import { offReason, requiredVar } from '../../channels/kit/settings.js';
import { slackSettings } from '../../channels/slack/config.js';
import type { RespondResult } from '../../src/domain/types.js';
import { createHttpServer } from '../../src/http/server.js';
import { makeRequest } from '../helpers/fixtures.js';

const log = pino({ level: 'silent' });

describe('settings', () => {
  const reason = (schema: z.ZodType, env: Record<string, string>) => {
    const parsed = schema.safeParse(env);
    return parsed.success ? undefined : offReason(parsed.error);
  };

  it('names the variable and what is wrong with it', () => {
    const schema = z.object({ A_TOKEN: requiredVar });
    expect(reason(schema, {})).toBe('A_TOKEN is not set');
    expect(reason(schema, { A_TOKEN: '  ' })).toBe('A_TOKEN is not set');
    expect(schema.parse({ A_TOKEN: ' t ' })).toEqual({ A_TOKEN: 't' });
  });

  it("reads Slack's section into its settings, or why it is off", () => {
    expect(reason(slackSettings, {})).toBe('SLACK_BOT_TOKEN is not set');
    expect(reason(slackSettings, { SLACK_BOT_TOKEN: 'xoxp-1', SLACK_SIGNING_SECRET: 's' })).toBe('SLACK_BOT_TOKEN must be a bot token (xoxb-…)');
    expect(reason(slackSettings, { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xoxb-2' })).toMatch(/^SLACK_APP_TOKEN must be an app-level token/);
    expect(reason(slackSettings, { SLACK_BOT_TOKEN: 'xoxb-1' })).toMatch(/^SLACK_SIGNING_SECRET is required in HTTP mode/);
    expect(slackSettings.parse({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', OTHER: 'x' })).toEqual({
      botToken: 'xoxb-1',
      signingSecret: 's',
      appToken: undefined,
      apiUrl: undefined,
    });
  });

  it('email is off until SMTP_URL and EMAIL_FROM are set, saying which is wrong, and needs EMAIL_AUTHSERV_ID with EMAIL_REQUIRE_AUTH', () => {
    expect(reason(emailSettings, {})).toBe('SMTP_URL is not set');
    expect(reason(emailSettings, { SMTP_URL: 'http://x' })).toMatch(/^SMTP_URL must be a URL such as smtp:/);
    expect(reason(emailSettings, { SMTP_URL: 'smtp://u:p@smtp.example.com:587' })).toBe('EMAIL_FROM is not set');
    expect(reason(emailSettings, { SMTP_URL: 'smtp://u:p@smtp.example.com:587', EMAIL_FROM: 'nobody' })).toMatch(/^EMAIL_FROM must be an address/);
    const on = { SMTP_URL: 'smtp://u:p@smtp.example.com:587', EMAIL_FROM: 'Switchboard <approvals@example.com>' };
    expect(reason(emailSettings, { ...on, EMAIL_REQUIRE_AUTH: '1' })).toMatch(/^EMAIL_AUTHSERV_ID is not set/);
    expect(emailSettings.parse({ ...on, IMAP_URL: 'imaps://u:p@imap.example.com' })).toMatchObject({ fromAddress: 'approvals@example.com', replyTo: undefined, doneFolder: 'Switchboard', requireAuth: false });
  });

  it('the registry turns each channel on or off from its own section of the environment', () => {
    const registry = createChannels({ env: { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', TELEGRAM_BOT_TOKEN: 't', SMTP_URL: 'smtp://x' } }, log);
    expect(registry.status()).toEqual([
      { name: 'slack', on: true },
      { name: 'discord', on: false, reason: 'DISCORD_BOT_TOKEN is not set' },
      { name: 'telegram', on: false, reason: 'TELEGRAM_BOT_TOKEN must be a bot token from @BotFather (123456789:AA…)' },
      { name: 'email', on: false, reason: 'EMAIL_FROM is not set' },
      { name: 'sqs', on: false, reason: 'SQS_RESPONSE_QUEUE_URL is not set' },
      { name: 'web', on: true },
    ]);
  });
});

describe('rawPost and problem', () => {
  const http = createHttpServer(log);
  let base: string;
  afterAll(() => http.close());

  it('hands the handler the exact bytes sent, whatever the content type, and leaves other routes alone', async () => {
    await rawPost(http, '/hook', async (_req, reply, raw) => {
      if (raw.length === 0) return problem(reply, 400, 'empty body');
      return reply.send({ hex: raw.toString('hex') });
    });
    http.post('/json', (req) => ({ parsed: req.body }));
    base = await http.listen({ port: 0, host: '127.0.0.1' });

    const bytes = Buffer.from('{ "a" :1,\n"b":"\u00e9"}  ', 'utf8');
    for (const type of ['application/json', 'application/x-www-form-urlencoded', 'text/plain; charset=latin1', 'application/octet-stream']) {
      const res = await fetch(`${base}/hook`, { method: 'POST', headers: { 'content-type': type }, body: bytes });
      expect(res.status).toBe(200);
      expect((await res.json()).hex).toBe(bytes.toString('hex'));
    }
    const json = await fetch(`${base}/json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(await json.json()).toEqual({ parsed: { a: 1 } });
  });

  it('answers problem+json', async () => {
    const res = await fetch(`${base}/hook`, { method: 'POST' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toEqual({ type: 'about:blank', title: 'Bad Request', status: 400, detail: 'empty body' });
  });
});

describe('AckDeadline', () => {
  const later = () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    return { gate, release };
  };

  it('answers as soon as the work acks; the work goes on after, and drain waits for it', async () => {
    const deadline = new AckDeadline(10_000);
    const { gate, release } = later();
    let finished = false;
    const outcome = await deadline.run<string>(async (ack) => {
      ack('ok');
      await gate;
      finished = true;
    });
    expect(outcome).toEqual({ kind: 'acked', response: 'ok' });
    expect(finished).toBe(false);
    release();
    await deadline.drain();
    expect(finished).toBe(true);
  });

  it('answers by the deadline when the work is slow to ack, and lets it finish', async () => {
    const deadline = new AckDeadline(50);
    const { gate, release } = later();
    let acked = false;
    const outcome = await deadline.run<string>(async (ack) => {
      await gate;
      ack('too late');
      acked = true;
    });
    expect(outcome).toEqual({ kind: 'unacked' });
    release();
    await deadline.drain();
    expect(acked).toBe(true);
  });

  it('says when the work ended without an ack, or failed before one', async () => {
    const deadline = new AckDeadline(10_000);
    expect(await deadline.run(() => Promise.resolve(undefined))).toEqual({ kind: 'unacked' });
    const err = new Error('boom');
    expect(await deadline.run(async () => Promise.reject(err))).toEqual({ kind: 'failed', err });
    expect(await deadline.run(() => { throw err; })).toEqual({ kind: 'failed', err });
  });
});

describe('DuplicateGuard', () => {
  it('lets a delivery through once, and through anyway when the store cannot answer', async () => {
    const seen = new Set<string>();
    const warnings: string[] = [];
    const ctxLog = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
    const guard = new DuplicateGuard({ log: ctxLog, once: (key) => Promise.resolve(!seen.has(key) && !!seen.add(key)) });
    expect(await guard.isRepeat('a')).toBe(false);
    expect(await guard.isRepeat('a')).toBe(true);
    const down = new DuplicateGuard({ log: ctxLog, once: async () => Promise.reject(new Error('connection refused')) });
    expect(await down.isRepeat('a')).toBe(false);
    expect(warnings.join('')).toContain('duplicate guard unavailable');
  });
});

describe('answerReply', () => {
  const result = (status: RespondResult['status'], over: Partial<RespondResult> = {}): RespondResult => ({
    status,
    request: makeRequest({ state: status === 'closed' ? 'cancelled' : 'pending' }),
    ...over,
  });

  it('maps each respond result to what the person sees', () => {
    expect(answerReply(result('won'))).toMatchObject({ tone: 'ok', httpStatus: 200, refresh: true, text: 'Thank you — your answer decided this request.' });
    expect(answerReply(result('counted'))).toMatchObject({ tone: 'ok', httpStatus: 200, refresh: true, text: 'Your approval is counted: 0 of 1.' });
    expect(answerReply(result('closed'))).toMatchObject({ tone: 'info', httpStatus: 409, refresh: true, text: 'This request was cancelled.' });
    expect(answerReply(result('forbidden'))).toMatchObject({ tone: 'error', httpStatus: 403, refresh: false, text: 'You are not an approver for this request.' });
    expect(answerReply(result('invalid', { reason: 'value: required' }))).toMatchObject({
      tone: 'error', httpStatus: 422, refresh: false, text: 'Your answer was not accepted: value: required',
    });
  });
});
