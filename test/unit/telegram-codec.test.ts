import { GrammyError, HttpError } from 'grammy';
import { describe, expect, it } from 'vitest';
import { answerData, chatTarget, optionData, parseTap, promptedRequest, reaches, responderOf } from '../../channels/telegram/codec.js';
import { telegramSettings } from '../../channels/telegram/config.js';
import { toChannelError } from '../../channels/telegram/errors.js';
import { parseFormReply } from '../../channels/telegram/form-reply.js';
import { describeWebhook } from '../../channels/telegram/setup.js';
import { offReason } from '../../channels/kit/settings.js';
import type { Field } from '../../src/domain/types.js';
import { makeRequest } from '../helpers/fixtures.js';

const TOKEN = '7000000001:AAFakeTelegramBotToken-0123456789abcdef';
const telegramError = (error_code: number, description: string, parameters = {}) =>
  new GrammyError("Call to 'sendMessage' failed!", { ok: false, error_code, description, parameters }, 'sendMessage', {});

describe('callback data', () => {
  it('carries a request id and an option index, read back only when well-formed', () => {
    const id = 'req_01hzy3k5m7n9p1q3r5s7t9v1w3';
    expect(parseTap(optionData(id, 9))).toEqual({ kind: 'option', requestId: id, index: 9 });
    expect(parseTap(answerData(id))).toEqual({ kind: 'answer', requestId: id });
    for (const bad of [undefined, '', 'o:req_x', `o:${id}:1000`, `o:${id}:-1`, `o:REQ_X:1`, `a:${id}:1`, `x:${id}`, 'o:a:b:1', `o:${id}:1${'0'.repeat(70)}`]) {
      expect(parseTap(bad), String(bad)).toBeUndefined();
    }
    expect(() => optionData(`req_${'x'.repeat(60)}`, 1)).toThrow(/64 bytes/);
  });

  it('binds a reply to the request its prompt names in the last line', () => {
    expect(promptedRequest('Reply to this…\n\nRequest req_abc123\n')).toBe('req_abc123');
    expect(promptedRequest('Request req_abc123\nmore')).toBeUndefined();
    expect(promptedRequest('Request req_abc123 and more')).toBeUndefined();
    expect(promptedRequest(undefined)).toBeUndefined();
  });

  it('lets a tap count only from a chat the request was addressed or delivered to', () => {
    const request = makeRequest({
      recipients: [{ channel: 'telegram', to: '-1001234567890' }, { channel: 'telegram', to: '@releases' }, { channel: 'slack', to: 'C1' }],
      deliveries: [{ id: 'd1', channel: 'telegram', to: '@releases', status: 'delivered', error: null, ref: { chat_id: -1009876543210, message_id: 7 } }],
    });
    expect(reaches(request, { id: -1001234567890 })).toBe(true);
    expect(reaches(request, { id: -1009876543210 })).toBe(true);
    expect(reaches(request, { id: -1005555555555, username: 'Releases' })).toBe(true);
    expect(reaches(request, { id: 42 })).toBe(false);
    expect(reaches(request, { id: 42, username: 'ana' })).toBe(false);
  });
});

describe('recipients and identities', () => {
  it('takes chat ids (users, groups, -100… supergroups and channels) and @channelusernames', () => {
    expect(chatTarget('123456789')).toEqual({ chat: 123456789 });
    expect(chatTarget(' -1001234567890 ')).toEqual({ chat: -1001234567890 });
    expect(chatTarget('-4001234567')).toEqual({ chat: -4001234567 });
    expect(chatTarget('@releases')).toEqual({ chat: '@releases' });
    expect(chatTarget('@Release_Notes_2024')).toEqual({ chat: '@Release_Notes_2024' });
    for (const bad of [undefined, '', '0', '012', '1.5', '@abc', '@1abc', '@has-dash', 'releases', '99999999999999999', '#general', `@${'a'.repeat(33)}`]) {
      expect(chatTarget(bad), String(bad)).toHaveProperty('error');
    }
    expect(chatTarget('nope')).toEqual({ error: expect.stringContaining('use a chat id such as 123456789 or -1001234567890, or @channelusername') });
  });

  it('is telegram:<numeric user id>, named by username or else first name', () => {
    expect(responderOf({ id: 42, username: 'ana', first_name: 'Ana' })).toEqual({ channel: 'telegram', id: '42', name: 'ana' });
    expect(responderOf({ id: 44, first_name: 'Eve' })).toEqual({ channel: 'telegram', id: '44', name: 'Eve' });
  });
});

describe('form replies', () => {
  const fields: Field[] = [
    { name: 'reason', label: 'Why?', type: 'textarea', required: true },
    { name: 'count', label: 'How many', type: 'number', required: true },
    { name: 'region', label: 'Region', type: 'select', options: [{ value: 'eu', label: 'Europe' }, { value: 'us', label: 'United States' }] },
  ];

  it('reads name: value lines (or labels), select labels as their values, and continues a field over lines', () => {
    expect(parseFormReply({ fields }, 'reason: it is safe\nand tested\ncount: 3\nRegion: Europe')).toEqual({
      ok: true,
      fields: { reason: 'it is safe\nand tested', count: '3', region: 'eu' },
    });
    expect(parseFormReply({ fields }, 'Why?: ok\nHOW MANY: 2')).toEqual({ ok: true, fields: { reason: 'ok', count: '2' } });
  });

  it('does not fill required fields: a short correction, nothing recorded', () => {
    const missing = parseFormReply({ fields }, 'reason: ok');
    expect(missing).toEqual({ ok: false, problem: expect.stringMatching(/^Missing: How many \(count\)\. Nothing was recorded\. .*reason: …$/) });
    expect(parseFormReply({ fields }, 'just some words')).toEqual({ ok: false, problem: expect.stringContaining('names no field of this form') });
    expect(parseFormReply({ fields }, 'colour: red\nreason: x\ncount: 1')).toEqual({ ok: false, problem: expect.stringContaining('Not a field of this form: colour: red') });
    expect(parseFormReply({ fields }, 'reason:\ncount: 1')).toEqual({ ok: false, problem: expect.stringContaining('Missing: Why? (reason)') });
  });
});

describe('Bot API errors', () => {
  it('maps Telegram\'s answers to ChannelError kinds, with Telegram\'s description', () => {
    const limited = toChannelError('sendMessage', telegramError(429, 'Too Many Requests: retry after 7', { retry_after: 7 }));
    expect(limited).toMatchObject({ kind: 'rate_limited', retryAfterMs: 7000, retryable: true });
    expect(limited.message).toBe('Telegram sendMessage: 429 Too Many Requests: retry after 7 (retry after 7 s)');
    expect(toChannelError('sendMessage', telegramError(401, 'Unauthorized'))).toMatchObject({ kind: 'auth', message: 'Telegram sendMessage: 401 Unauthorized — check TELEGRAM_BOT_TOKEN' });
    expect(toChannelError('sendMessage', telegramError(404, 'Not Found'))).toMatchObject({ kind: 'auth' });
    const kicked = toChannelError('sendMessage', telegramError(403, 'Forbidden: bot was kicked from the supergroup chat'));
    expect(kicked).toMatchObject({ kind: 'not_found', retryable: false, message: 'Telegram sendMessage: 403 Forbidden: bot was kicked from the supergroup chat' });
    expect(toChannelError('sendMessage', telegramError(400, 'Bad Request: chat not found'))).toMatchObject({ kind: 'not_found' });
    const moved = toChannelError('sendMessage', telegramError(400, 'Bad Request: group chat was upgraded to a supergroup chat', { migrate_to_chat_id: -1001 }));
    expect(moved).toMatchObject({ kind: 'not_found', migrateTo: -1001 });
    expect(toChannelError('sendMessage', telegramError(400, "Bad Request: can't parse entities: x"))).toMatchObject({ kind: 'invalid' });
    expect(toChannelError('sendMessage', telegramError(502, 'Bad Gateway'))).toMatchObject({ kind: 'network', retryable: true });
    const same = toChannelError('editMessageText', telegramError(400, 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same'));
    expect(same.notModified).toBe(true);
    expect(toChannelError('editMessageText', telegramError(400, 'Bad Request: message to edit not found')).messageGone).toBe(true);
  });

  it('never lets the token out of a network error (the fetch error names the URL)', () => {
    const cause = Object.assign(new Error(`request to https://api.telegram.org/bot${TOKEN}/sendMessage failed, reason: connect ECONNREFUSED`), { code: 'ECONNREFUSED' });
    const err = toChannelError('sendMessage', new HttpError("Network request for 'sendMessage' failed!", cause), TOKEN);
    expect(err).toMatchObject({ kind: 'network', message: 'Telegram sendMessage: the Bot API could not be reached (ECONNREFUSED)' });
    expect(toChannelError('getMe', new Error(`boom ${TOKEN}`), TOKEN).message).toBe('Telegram getMe: boom <token>');
  });
});

describe('settings', () => {
  const token = { TELEGRAM_BOT_TOKEN: TOKEN };
  const parse = (env: Record<string, string>) => telegramSettings.safeParse(env);
  const reason = (env: Record<string, string>) => {
    const r = parse(env);
    return r.success ? undefined : offReason(r.error);
  };

  it('is off without a token, and says what is wrong with the rest', () => {
    expect(reason({})).toBe('TELEGRAM_BOT_TOKEN is not set');
    expect(reason({ TELEGRAM_BOT_TOKEN: 'not-a-token' })).toBe('TELEGRAM_BOT_TOKEN must be a bot token from @BotFather (123456789:AA…)');
    expect(reason({ ...token, TELEGRAM_MODE: 'push' })).toBe('TELEGRAM_MODE must be webhook or polling');
    expect(reason({ ...token, TELEGRAM_MODE: 'webhook', PUBLIC_URL: 'https://hub.example.com' })).toBe(
      'TELEGRAM_WEBHOOK_SECRET is required in webhook mode (or set TELEGRAM_MODE=polling)',
    );
    expect(reason({ ...token, TELEGRAM_MODE: 'webhook', TELEGRAM_WEBHOOK_SECRET: 'bad secret!' })).toBe(
      'TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -',
    );
    expect(reason({ ...token, TELEGRAM_API_ROOT: 'ftp://x' })).toMatch(/^TELEGRAM_API_ROOT must be the http\(s\) URL/);
  });

  it('defaults to webhook mode when PUBLIC_URL is https, else polling', () => {
    expect(parse({ ...token, PUBLIC_URL: 'https://hub.example.com/', TELEGRAM_WEBHOOK_SECRET: 's3cret_-' }).data).toEqual({
      botToken: TOKEN,
      apiRoot: undefined,
      mode: 'webhook',
      webhookSecret: 's3cret_-',
      publicUrl: 'https://hub.example.com',
    });
    expect(parse({ ...token, PUBLIC_URL: 'http://localhost:8080' }).data?.mode).toBe('polling');
    expect(parse(token).data?.mode).toBe('polling');
    expect(parse({ ...token, TELEGRAM_MODE: 'polling', PUBLIC_URL: 'https://hub.example.com' }).data?.mode).toBe('polling');
    expect(parse({ ...token, TELEGRAM_API_ROOT: 'http://127.0.0.1:8081/' }).data?.apiRoot).toBe('http://127.0.0.1:8081');
  });
});

describe('describeWebhook', () => {
  const url = 'https://hub.example.com/telegram/webhook';
  const now = 1_700_000_000;
  it('says what is wrong and how to fix it', () => {
    expect(describeWebhook({ url: '', has_custom_certificate: false, pending_update_count: 0 }, url, now)).toEqual({
      ok: false,
      detail: 'no webhook is set with Telegram: run `switchboard telegram set-webhook`',
    });
    expect(describeWebhook({ url: 'https://old.example.com/hook', has_custom_certificate: false, pending_update_count: 0 }, url, now).detail).toBe(
      `the webhook points at https://old.example.com/hook, not ${url}: run \`switchboard telegram set-webhook\``,
    );
    const failing = { url, has_custom_certificate: false, pending_update_count: 3, last_error_date: now - 30, last_error_message: 'Wrong response from the webhook: 401 Unauthorized' };
    expect(describeWebhook(failing, url, now)).toEqual({
      ok: false,
      detail: `webhook ${url}; 3 update(s) pending; last error 30 s ago: Wrong response from the webhook: 401 Unauthorized`,
    });
    expect(describeWebhook({ ...failing, last_error_date: now - 3600 }, url, now)).toMatchObject({ ok: true, detail: expect.stringContaining('last error 60 min ago') });
    expect(describeWebhook({ url, has_custom_certificate: false, pending_update_count: 0, allowed_updates: ['message'] }, url, now)).toMatchObject({
      ok: false,
      detail: expect.stringContaining('not subscribed to callback_query'),
    });
  });
});
