import { describe, expect, it } from 'vitest';
import { mailSubject, renderNotice, renderOutcomeMail, renderRequestMail, type RequestMailOptions } from '../../channels/email/render.js';
import type { Outcome, Request, Response } from '../../src/domain/types.js';
import { makeRequest } from '../helpers/fixtures.js';

const page = 'https://hub.example.com/r/tok123';
const linksOf = (r: Request): RequestMailOptions['links'] => r.options.map((o) => ({ label: o.label, url: `${page}?value=${encodeURIComponent(o.value)}`, style: o.style }));
const mail = (r: Request, over: Partial<RequestMailOptions> = {}) => renderRequestMail(r, { links: linksOf(r), replies: false, to: 'ana@example.com', ...over });

const response = (over: Partial<Response> = {}): Response => ({
  value: 'approve',
  comment: null,
  fields: {},
  responder: { channel: 'slack', id: 'U1', name: 'Ana' },
  responded_at: '2024-03-01T14:02:00.000Z',
  ...over,
});

/** What no mail of ours may hold: anything that runs, loads from the network or needs a stylesheet. */
function expectInert(html: string) {
  expect(html).not.toMatch(/<script/i);
  expect(html).not.toMatch(/<img/i);
  expect(html).not.toMatch(/<link|<style|url\(/i);
  const tags = html.match(/<[a-z][^>]*>/gi) ?? [];
  expect(tags.length).toBeGreaterThan(5);
  for (const tag of tags) expect(tag).not.toMatch(/\s(src|class|on[a-z]+)\s*=/i);
}

describe('renderRequestMail', () => {
  const request = makeRequest({
    title: 'Deploy v2.3 to production?',
    body: 'Ships the **new** billing flow.',
    context: { service: 'billing', replicas: 3, diff: { files: 12 } },
    expires_at: '2024-03-02T09:00:00.000Z',
    on_timeout: { value: 'reject' },
  });

  it('has the title as subject, a text part and an HTML document with lang, charset and a preheader', () => {
    const m = mail(request);
    expect(m.subject).toBe('Deploy v2.3 to production?');
    expect(m.text).toContain('Deploy v2.3 to production?');
    expect(m.text).toContain('Ships the **new** billing flow.');
    expect(m.html).toMatch(/^<!doctype html>\n<html lang="en"><head><meta charset="utf-8">/);
    expect(m.html).toContain('<strong>new</strong>');
    expect(m.html).toMatch(/<div style="display:none;[^"]*">Ships the new billing flow\.<\/div>/);
    expectInert(m.html);
  });

  it('puts the context in a two-column table and as lines of text', () => {
    const m = mail(request);
    expect(m.html).toMatch(/<td[^>]*>service<\/td><td[^>]*>billing<\/td>/);
    expect(m.html).toMatch(/<td[^>]*>diff<\/td><td[^>]*><code[^>]*>\{&#34;files&#34;:12\}<\/code><\/td>/);
    expect(m.text).toContain('  replicas: 3');
    expect(m.text).toContain('  diff: {"files":12}');
  });

  it('gives one button a link, the option in its URL, and each link on its own line of text', () => {
    const m = mail(request);
    for (const value of ['approve', 'reject']) {
      expect(m.html).toContain(`<a href="${page}?value=${value}"`);
      expect(m.text).toMatch(new RegExp(`^  \\w+: ${page.replace(/[.?/]/g, '\\$&')}\\?value=${value}$`, 'm'));
    }
    expect(m.html).toMatch(/<td bgcolor="#1a73e8"[^>]*><a href="[^"]*value=approve"[^>]*>Approve<\/a>/);
    expect(m.html).toMatch(/<td bgcolor="#d93025"[^>]*><a href="[^"]*value=reject"[^>]*>Reject<\/a>/);
  });

  it('says the deadline in UTC and what happens then', () => {
    expect(mail(request).text).toContain('⏳ Answer by 2024-03-02 09:00 UTC · then "Reject"');
    expect(mail(request).html).toContain('⏳ Answer by 2024-03-02 09:00 UTC · then <strong>Reject</strong>');
    const bare = mail({ ...request, on_timeout: null });
    expect(bare.text).toContain('then the request expires unanswered');
    expect(mail({ ...request, expires_at: null }).text).not.toContain('Answer by 2');
  });

  it("shows the workflow's recent decisions and a quorum's votes so far", () => {
    const earlier = makeRequest({ title: 'Deploy v2.2', state: 'resolved', response: response() });
    const r = makeRequest({ workflow_id: 'wf-7', quorum: 2, votes: [response({ responder: { channel: 'email', id: 'bo@example.com', name: 'Bo' } })] });
    const m = mail(r, { history: [r, earlier] });
    expect(m.text).toContain('Workflow wf-7');
    expect(m.text).toContain('✅ Deploy v2.2 — approved by Ana via Slack');
    expect(m.html).toContain('✅ Deploy v2.2 — approved by Ana via Slack');
    expect(m.text).toContain('🗳️ 1 of 2 approvals: Bo via email');
  });

  it('says how to answer by reply only when replies are read', () => {
    expect(mail(request, { replies: true }).text).toContain('Reply with');
    expect(mail(request, { replies: true }).html).toContain('replying to this email');
    expect(mail(request).text).not.toContain('Reply with');
  });

  it('says the links are personal, naming the address they answer as', () => {
    const m = mail(request);
    expect(m.text).toContain('-- \nThese links answer as ana@example.com; do not forward this email.');
    expect(m.html).toContain('These links answer as ana@example.com; do not forward this email.');
  });

  it('escapes every value: a title, body, context, label, workflow and link with markup render inert', () => {
    const evil = '<script>alert(1)</script><img src=http://x/t.gif onerror=alert(2)>';
    const r = makeRequest({
      title: evil,
      body: `${evil} [x](javascript:alert(3))`,
      context: { [evil]: evil },
      workflow_id: evil,
      options: [{ value: 'a', label: evil }],
      type: 'choice',
    });
    const m = mail(r, { links: [{ label: evil, url: 'https://hub.example.com/r/t?value=a"><script>x</script>' }], to: evil, replies: true });
    expectInert(m.html);
    expect(m.html).not.toContain('javascript:alert(3)"');
    expect(m.html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(m.html).toContain('href="https://hub.example.com/r/t?value=a&#34;&#62;&#60;script&#62;x&#60;/script&#62;"');
    expect(m.text).toContain(evil); // plain text is shown as text, nothing to escape
  });

  it('renders the largest request whole: an 8,000-character body and 30 context values of 900 characters', () => {
    const body = Array.from({ length: 80 }, (_, i) => `line ${String(i).padStart(2, '0')} ${'b'.repeat(92)}`).join('\n').slice(0, 8000);
    const context = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`key_${i}`, `${i}:${'v'.repeat(896)}|`]));
    const m = mail(makeRequest({ body, context }));
    expect(body).toHaveLength(8000);
    for (const line of body.split('\n')) {
      expect(m.text).toContain(line);
      expect(m.html).toContain(line);
    }
    for (const [k, v] of Object.entries(context)) {
      expect(m.text).toContain(`  ${k}: ${v}`);
      expect(m.html).toContain(`>${k}</td><td style="`);
      expect(m.html).toContain(`>${v}</td>`);
    }
  });
});

describe('mailSubject', () => {
  it('is one line without control characters, at most 200 characters', () => {
    expect(mailSubject('Deploy\r\nBcc: x@evil.example\u0000 now')).toBe('Deploy Bcc: x@evil.example now');
    expect(mailSubject('x'.repeat(300))).toHaveLength(200);
    expect(mailSubject(' \n ')).toBe('Request');
  });
});

describe('renderOutcomeMail', () => {
  const request = makeRequest({ title: 'Deploy v2.3?', closed_at: '2024-03-01T14:02:00.000Z' });
  const approved: Outcome = { state: 'resolved', response: response({ comment: 'ship it\nnow' }) };

  it('tells a recipient who did not decide that no action is needed, in the same thread', () => {
    const m = renderOutcomeMail(request, approved, { decidedHere: false, pageUrl: page });
    expect(m.subject).toBe('Re: Deploy v2.3?');
    expect(m.text).toContain('✅ Approved by Ana via Slack · 14:02 UTC — no action needed.');
    expect(m.text).toContain('> ship it\n> now');
    expect(m.text).toContain(`The request: ${page}`);
    expect(m.html).toContain('Approved by Ana via Slack · 14:02 UTC — no action needed.');
    expect(m.html).toContain(`<a href="${page}"`);
    expectInert(m.html);
  });

  it('confirms to the person who decided', () => {
    const mine: Outcome = { state: 'resolved', response: response({ responder: { channel: 'email', id: 'ana@example.com' } }) };
    const m = renderOutcomeMail(request, mine, { decidedHere: true });
    expect(m.text).toMatch(/^✅ Your answer was recorded: Approved by ana@example\.com via email · 14:02 UTC\.$/m);
    expect(m.text).not.toContain('no action needed');
  });

  it('says an expiry and the answer it applied', () => {
    const m = renderOutcomeMail(request, { state: 'expired', response: response({ value: 'reject' }) }, { decidedHere: false });
    expect(m.text).toContain('⌛ Expired · 14:02 UTC — "Reject" applied — no action needed.');
    expect(m.html).toContain('<strong>Reject</strong> applied');
  });

  it('shows a text answer whole and escaped', () => {
    const r = makeRequest({ type: 'text', options: [], closed_at: '2024-03-01T14:02:00.000Z' });
    const answer = `<b>${'a'.repeat(3990)}`;
    const m = renderOutcomeMail(r, { state: 'resolved', response: response({ value: answer }) }, { decidedHere: false });
    expect(m.text).toContain(`> ${answer}`);
    expect(m.html).toContain(`&#60;b&#62;${'a'.repeat(3990)}</blockquote>`);
  });
});

describe('renderNotice', () => {
  it('keeps the text and gives it a minimal, escaped HTML twin', () => {
    const n = renderNotice('Your reply was not recorded: <why>.\n\nReply with approve or reject.');
    expect(n.text).toBe('Your reply was not recorded: <why>.\n\nReply with approve or reject.');
    expect(n.html).toContain('Your reply was not recorded: &#60;why&#62;.</p>');
    expect(n.html).toContain('Reply with approve or reject.</p>');
    expectInert(n.html);
  });
});
