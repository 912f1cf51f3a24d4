import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/harness.js';
import { waitFor } from '../helpers/services.js';

const WEBHOOK_SECRET = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
const logs: string[] = [];
let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ env: { SWITCHBOARD_WEBHOOK_SECRET: WEBHOOK_SECRET, SWITCHBOARD_CALLBACK_PRIVATE: 'deny' }, logLines: logs });
});
afterAll(async () => t?.stop());

describe('SWITCHBOARD_CALLBACK_PRIVATE=deny', () => {
  it.each([
    'http://127.0.0.1:9000/hook',
    'http://localhost/hook',
    'http://10.1.2.3/x',
    'http://[::1]/x',
    // Special-purpose ranges, and IPv6 addresses that carry a private IPv4 address.
    'http://198.18.0.1/x',
    'http://192.0.0.170/x',
    'http://[64:ff9b::a00:1]/x',
    'http://[2002:a00:1::]/x',
    'http://[::ffff:169.254.169.254]/latest/meta-data',
  ])('refuses %s with 422', async (url) => {
    const res = await t.api('POST', '/v1/requests', { title: 'x', recipients: [{ channel: 'web' }], callback_url: url });
    expect(res.status).toBe(422);
    expect(res.body.errors[0].path).toBe('callback_url');
    const [n] = await t.sql`select count(*)::int as n from requests`;
    expect(n!.n).toBe(0);
  });

  it('refuses credentials in callback URLs under any policy', async () => {
    const res = await t.api('POST', '/v1/requests', { title: 'x', recipients: [{ channel: 'web' }], callback_url: 'https://user:pw@example.com/x' });
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body)).not.toContain('pw@');
  });
});

describe('secrets never reach the logs', () => {
  it('keeps API keys and the webhook secret out of every log line', async () => {
    await t.api('GET', '/v1/requests', undefined, { authorization: 'Bearer sb_not_a_real_key_123' });
    const r = await t.api('POST', '/v1/requests', { title: 'x', recipients: [{ channel: 'web' }] });
    expect(r.status).toBe(201);
    // The web page, shown and answered: its URL is the capability token.
    const page = await fetch(r.body.links.web);
    expect(page.status).toBe(200);
    const formToken = /name="form_token" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
    const answer = await fetch(`${r.body.links.web}?from=mail`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ form_token: formToken, value: 'approve' }),
    });
    expect(answer.status).toBe(200);
    await waitFor(async () => (await t.api('GET', `/v1/requests/${r.body.id}`)).body.deliveries[0].status === 'settled', 5000, 'settled');
    expect(logs.length).toBeGreaterThan(3);
    const all = logs.join('\n');
    expect(all).toContain('"url":"/v1/requests"');
    expect(all).toContain('"method":"GET","url":"/r/<redacted>","status":200');
    expect(all).toContain('"method":"POST","url":"/r/<redacted>","status":200');
    for (const secret of [t.apiKey, 'sb_not_a_real_key_123', WEBHOOK_SECRET, WEBHOOK_SECRET.slice(6)]) expect(all).not.toContain(secret);
    // Capability tokens are secrets too: the web link must not be logged.
    expect(all).not.toContain(r.body.links.web.split('/r/')[1]);
  });
});

it('uses the configured webhook secret instead of generating one', async () => {
  expect(t.webhookSecret).toBe(WEBHOOK_SECRET);
  const [stored] = await t.sql`select count(*)::int as n from settings where key = 'webhook_secret'`;
  expect(stored!.n).toBe(0);
});
