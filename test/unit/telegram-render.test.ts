import { describe, expect, it } from 'vitest';
import { CALLBACK_DATA_MAX_BYTES, parseTap, promptedRequest } from '../../channels/telegram/codec.js';
import { escapeAttribute, escapeHtml, markdownToTelegramHtml, truncateHtml, visibleLength, visibleText } from '../../channels/telegram/html.js';
import { LIMITS, outcomeLine, renderClosed, renderPending, renderPrompt } from '../../channels/telegram/render.js';
import { outcomeOf, type Request, type Response } from '../../src/domain/types.js';
import { parseHtml } from '../fakes/telegram-updates.js';
import { makeRequest } from '../helpers/fixtures.js';

const at = '2024-03-01T14:02:00.000Z';
const response = (over: Partial<Response> = {}): Response => ({
  value: 'approve',
  comment: null,
  fields: {},
  responder: { channel: 'telegram', id: '42', name: 'ana' },
  responded_at: at,
  ...over,
});
const ana = { id: 42, is_bot: false, first_name: 'Ana', username: 'ana' };

/** Parses as Telegram does (the fake's parser: same tags, same errors); fails the test on markup Telegram refuses. */
function shown(html: string): string {
  const parsed = parseHtml(html);
  if ('error' in parsed) throw new Error(`Telegram would refuse this HTML: ${parsed.error}\n${html}`);
  return parsed.text;
}

const buttons = (r: Request) => renderPending(r).keyboard!.inline_keyboard;

describe('markdownToTelegramHtml', () => {
  it('turns the Markdown subset into the tags Telegram knows, everything else escaped', () => {
    const md = [
      '# Release notes',
      'Ship **v2.3** with *care* and ~~haste~~ — see [the plan](https://example.com/plan?a=1&b=2).',
      '- retry `fix <b>` in payments',
      '- [x] tests',
      '> quoted & <tagged>',
      '> second line',
      '---',
      '```ts',
      'if (a < b && c) {}',
      '```',
      'a_snake_case_name stays, <script>alert(1)</script> too, [js](javascript:alert(1)) is text',
    ].join('\n');
    const html = markdownToTelegramHtml(md);
    expect(html).toContain('<b>Release notes</b>');
    expect(html).toContain('Ship <b>v2.3</b> with <i>care</i> and <s>haste</s>');
    expect(html).toContain('<a href="https://example.com/plan?a=1&amp;b=2">the plan</a>');
    expect(html).toContain('• retry <code>fix &lt;b&gt;</code> in payments');
    expect(html).toContain('☑ tests');
    expect(html).toContain('<blockquote>quoted &amp; &lt;tagged&gt;\nsecond line</blockquote>');
    expect(html).toContain('<pre><code class="language-ts">if (a &lt; b &amp;&amp; c) {}</code></pre>');
    expect(html).toContain('a_snake_case_name stays, &lt;script&gt;alert(1)&lt;/script&gt; too, [js](javascript:alert(1)) is text');
    expect(shown(html)).toContain('Ship v2.3 with care and haste');
  });

  it('never puts emphasis around code, and gives a link a plain label', () => {
    const html = markdownToTelegramHtml('**bold `code` bold** and [see `x`](https://example.com)');
    expect(html).not.toMatch(/<b>[^<]*<code>/);
    expect(html).toContain('<a href="https://example.com">see x</a>');
    shown(html);
  });

  it('is never longer, as Telegram counts, than the Markdown it came from', () => {
    const samples = ['---', '- [ ] a', '# h', '> q', '[](https://e.com)', '<https://e.com>', 'a & b < c', '**x** _y_ ~~z~~', '```\ncode\n```'];
    for (const md of samples) expect(visibleLength(markdownToTelegramHtml(md)), md).toBeLessThanOrEqual(md.length);
  });

  it('escapes the characters Telegram wants escaped, and visibleText undoes it', () => {
    expect(escapeHtml(`<a href="x">&</a>`)).toBe('&lt;a href="x"&gt;&amp;&lt;/a&gt;');
    expect(escapeAttribute(`x"y&`)).toBe('x&quot;y&amp;');
    expect(visibleText('<b>a &amp; b</b> &lt;c&gt; &#8212; &quot;')).toBe('a & b <c> — "');
  });

  it('truncateHtml cuts visible text, closes what was open and drops what the cut left empty', () => {
    expect(truncateHtml('<b>bold</b> and <i>italic</i>', 100)).toBe('<b>bold</b> and <i>italic</i>');
    expect(truncateHtml('<b>bold &amp; more</b> tail', 7)).toBe('<b>bold &amp;…</b>');
    expect(truncateHtml('ab<blockquote><b>xy</b></blockquote>', 3)).toBe('ab…');
    expect(truncateHtml('a😀b', 3)).toBe('a…');
    for (const html of ['<b>bold &amp; more</b> tail', 'x<pre><code class="language-ts">code</code></pre>y']) {
      for (let max = 1; max < 12; max++) {
        const cut = truncateHtml(html, max);
        expect(shown(cut).length, cut).toBeLessThanOrEqual(max);
      }
    }
  });
});

describe('renderPending', () => {
  it('shows a bold title, the body, context as lines, and approve/reject buttons carrying only id and index', () => {
    const req = makeRequest({ body: 'Ship **v2.3** now', context: { service: 'payments', risk: 'high', n: 3, tags: ['a'] } });
    const msg = renderPending(req);
    expect(msg.text.startsWith(`<b>${req.title}</b>\n\nShip <b>v2.3</b> now\n\n`)).toBe(true);
    expect(msg.text).toContain('<b>service</b> payments\n<b>risk</b> high\n<b>n</b> 3\n<b>tags</b> <code>["a"]</code>');
    expect(buttons(req)).toEqual([
      [
        { text: 'Approve', callback_data: `o:${req.id}:0` },
        { text: 'Reject', callback_data: `o:${req.id}:1` },
      ],
    ]);
    expect(parseTap(`o:${req.id}:1`)).toEqual({ kind: 'option', requestId: req.id, index: 1 });
    shown(msg.text);
  });

  it('escapes everything an agent wrote', () => {
    const req = makeRequest({ title: 'Deploy <b>x</b> & "y"?', context: { '<k>': '<v> & w' }, workflow_id: 'wf<1>' });
    const text = renderPending(req).text;
    expect(text).toContain('<b>Deploy &lt;b&gt;x&lt;/b&gt; &amp; "y"?</b>');
    expect(text).toContain('<b>&lt;k&gt;</b> &lt;v&gt; &amp; w');
    expect(shown(text)).toContain('Deploy <b>x</b> & "y"?');
  });

  it('lays choices out in rows: two short labels a row, long ones a row each', () => {
    const short = makeRequest({ type: 'choice', options: Array.from({ length: 5 }, (_, i) => ({ value: `v${i}`, label: `Build ${i}` })) });
    expect(buttons(short).map((row) => row.length)).toEqual([2, 2, 1]);
    const long = makeRequest({ type: 'choice', options: [{ value: 'a', label: 'A rather long label for a button' }, { value: 'b', label: 'B' }] });
    expect(buttons(long).map((row) => row.length)).toEqual([1, 1]);
  });

  it('offers Answer for text requests, and for forms also the recipient\'s link', () => {
    const text = makeRequest({ type: 'text', options: [] });
    expect(buttons(text)).toEqual([[{ text: '✍️ Answer', callback_data: `a:${text.id}` }]]);
    const form = makeRequest({ type: 'form', options: [], fields: [{ name: 'reason', label: 'Why?', type: 'text', required: true }] });
    const url = 'https://hub.example.com/r/token';
    expect(renderPending(form, { formUrl: url }).keyboard!.inline_keyboard).toEqual([
      [{ text: '✍️ Answer', callback_data: `a:${form.id}` }],
      [{ text: '🔗 Open the form', url }],
    ]);
    expect(renderPending(form).text).toContain('reply with one field a line (name: value).');
  });

  it('shows the workflow and its recent decisions, the deadline, approvers and votes', () => {
    const past = makeRequest({ title: 'Deploy v2.2?', state: 'resolved', workflow_id: 'wf-1', closed_at: at, response: response({ value: 'reject', responder: { channel: 'slack', id: 'U1', name: 'Ana' } }) });
    const req = makeRequest({
      workflow_id: 'wf-1',
      expires_at: '2024-03-02T09:00:00.000Z',
      on_timeout: { value: 'reject' },
      approvers: ['telegram:42', 'telegram:43'],
      quorum: 2,
      votes: [response()],
    });
    const text = renderPending(req, { history: [past] }).text;
    expect(text).toContain('Workflow <code>wf-1</code>\nRecent decisions:\n❌ Deploy v2.2? — rejected by Ana via Slack');
    expect(text).toContain('⏳ Answer by 2024-03-02 09:00 UTC · then <b>Reject</b>');
    expect(text).toContain('🔒 Only the named approvers can answer');
    expect(text).toContain('🗳️ 1 of 2 approvals: ana via Telegram');
    shown(text);
  });

  it('stays within Telegram\'s limits for the largest request the API accepts', () => {
    const words = (n: number, seed: string) => Array.from({ length: n }, (_, i) => `${seed}${i}`).join(' ');
    const context = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`key${i}`.padEnd(100, 'k'), words(120, `v${i}x`).slice(0, 900)]));
    const options = Array.from({ length: 10 }, (_, i) => ({ value: `value${i}`.padEnd(100, 'x'), label: `Option ${i} `.padEnd(75, 'y') }));
    const history = Array.from({ length: 3 }, () =>
      makeRequest({ title: 't'.repeat(200), state: 'resolved', workflow_id: 'w'.repeat(200), closed_at: at, response: response({ responder: { channel: 'slack', id: 'U1', name: 'n'.repeat(200) } }) }),
    );
    for (const type of ['choice', 'approval'] as const) {
      const req = makeRequest({
        type,
        title: 'T'.repeat(200),
        body: '**b** '.repeat(2000).slice(0, 8000),
        context,
        workflow_id: 'w'.repeat(200),
        expires_at: at,
        ...(type === 'choice' ? { options } : {}),
      });
      const msg = renderPending(req, { history });
      expect(visibleLength(msg.text)).toBeLessThanOrEqual(LIMITS.text);
      expect(shown(msg.text).length).toBeLessThanOrEqual(LIMITS.text);
      expect(msg.text).toContain('more context field');
      for (const b of msg.keyboard!.inline_keyboard.flat()) expect(Buffer.byteLength((b as { callback_data: string }).callback_data)).toBeLessThanOrEqual(CALLBACK_DATA_MAX_BYTES);
      const closed = makeRequest({ ...req, type: 'text', state: 'resolved', closed_at: at, response: response({ value: 'x'.repeat(4000), comment: 'c'.repeat(4000) }) });
      const settled = renderClosed(closed, outcomeOf(closed)!, { history });
      expect(shown(settled.text).length).toBeLessThanOrEqual(LIMITS.text);
      expect(settled.text).toContain('Answered by ana via Telegram');
    }
  });
});

describe('renderClosed', () => {
  it('shows the outcome in the shared wording, and has no keyboard', () => {
    const req = makeRequest({ state: 'resolved', closed_at: at, response: response() });
    const msg = renderClosed(req, outcomeOf(req)!);
    expect(msg.keyboard).toBeUndefined();
    expect(msg.text).toContain('✅ Approved by ana via Telegram · 14:02 UTC');
  });

  it('words expiry, cancel, a choice, a text answer, a comment and form fields', () => {
    const expired = makeRequest({ state: 'expired', closed_at: at, on_timeout: { value: 'reject' }, response: response({ value: 'reject', responder: { channel: 'api', id: 'timeout' } }) });
    expect(outcomeLine(expired, outcomeOf(expired)!)).toBe('⌛ Expired · 14:02 UTC — <b>Reject</b> applied');
    const cancelled = makeRequest({ state: 'cancelled', closed_at: at });
    expect(outcomeLine(cancelled, outcomeOf(cancelled)!)).toBe('🚫 Cancelled · 14:02 UTC');
    const choice = makeRequest({ type: 'choice', options: [{ value: 'eu', label: 'Europe <1>' }, { value: 'us', label: 'US' }], state: 'resolved', closed_at: at, response: response({ value: 'eu' }) });
    expect(outcomeLine(choice, outcomeOf(choice)!)).toBe('✅ <b>Europe &lt;1&gt;</b> — chosen by ana via Telegram · 14:02 UTC');
    const text = makeRequest({ type: 'text', options: [], state: 'resolved', closed_at: at, response: response({ value: 'use <blue>', comment: 'ok' }) });
    expect(renderClosed(text, outcomeOf(text)!).text).toContain('Answered by ana via Telegram · 14:02 UTC\n<blockquote>use &lt;blue&gt;</blockquote>\n<blockquote>ok</blockquote>');
    const form = makeRequest({
      type: 'form',
      options: [],
      fields: [{ name: 'reason', label: 'Why?', type: 'text' }, { name: 'n', label: 'How many?', type: 'number' }],
      state: 'resolved',
      closed_at: at,
      response: response({ value: null, fields: { reason: 'because', n: 3 } }),
    });
    const formText = renderClosed(form, outcomeOf(form)!).text;
    expect(formText).toContain('Submitted by ana via Telegram · 14:02 UTC\n<b>Why?</b> because\n<b>How many?</b> 3');
    for (const r of [expired, cancelled, choice, text, form]) shown(renderClosed(r, outcomeOf(r)!).text);
  });
});

describe('renderPrompt', () => {
  it('asks the tapper for a reply, and its last line binds the reply to the request', () => {
    const req = makeRequest({ type: 'text', options: [], title: 'Release <notes>?' });
    const prompt = renderPrompt(req, ana);
    expect(prompt.text).toContain('<a href="tg://user?id=42">Ana</a>, reply to this message with your answer to <b>Release &lt;notes&gt;?</b>.');
    expect(prompt.markup).toEqual({ force_reply: true, selective: true, input_field_placeholder: 'Your answer' });
    expect(promptedRequest(shown(prompt.text))).toBe(req.id);
  });

  it('lists a form\'s fields with what each takes', () => {
    const req = makeRequest({
      type: 'form',
      options: [],
      fields: [
        { name: 'reason', label: 'Why?', type: 'textarea', required: true },
        { name: 'region', label: 'Region', type: 'select', options: [{ value: 'eu', label: 'Europe' }, { value: 'us', label: 'US' }] },
        { name: 'ok', label: 'OK?', type: 'boolean' },
      ],
    });
    const prompt = renderPrompt(req, ana);
    const text = shown(prompt.text);
    expect(text).toContain('reason: Why? (required, may run over several lines)');
    expect(text).toContain('region: Region (optional, one of: eu, us)');
    expect(text).toContain('ok: OK? (optional, yes or no)');
    expect(prompt.markup.input_field_placeholder).toBe('reason: …');
    expect(promptedRequest(text)).toBe(req.id);
  });
});
