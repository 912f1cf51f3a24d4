import { describe, expect, it } from 'vitest';
import { ACTION, decodeOrigin, encodeOrigin, parseAction } from '../../channels/slack/codec.js';
import { markdownToMrkdwn, chunkText } from '../../channels/slack/mrkdwn.js';
import { BLOCK, parseSubmission, renderModal } from '../../channels/slack/modal.js';
import { closedNotice, outcomeLine } from '../../channels/slack/outcome.js';
import { LIMITS, renderClosed, renderPending } from '../../channels/slack/render.js';
import type { Request, Response } from '../../src/domain/types.js';
import { blockProblems } from '../fakes/slack.js';
import { makeRequest } from '../fakes/slack-hub.js';

const at = '2024-03-01T14:02:00.000Z';
const response = (over: Partial<Response> = {}): Response => ({
  value: 'approve',
  comment: null,
  fields: {},
  responder: { channel: 'slack', id: 'U0ANA', name: 'Ana' },
  responded_at: at,
  ...over,
});

function actions(req: Request) {
  const block = renderPending(req).blocks.find((b) => b.type === 'actions') as any;
  return block?.elements as any[];
}

describe('renderPending', () => {
  it('renders an approval with primary/danger buttons whose values carry only id and index', () => {
    const req = makeRequest({ body: 'Ship **v2.3** now', context: { service: 'payments', risk: 'high' } });
    const msg = renderPending(req);
    expect(msg.text).toContain('Deploy v2.3 to production?');
    expect(msg.blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text', text: req.title } });
    expect(msg.blocks[1]).toMatchObject({ type: 'section', text: { type: 'mrkdwn', text: 'Ship *v2.3* now' } });
    const fields = (msg.blocks[2] as any).fields.map((f: any) => f.text);
    expect(fields).toEqual(['*service*\npayments', '*risk*\nhigh']);
    const els = actions(req);
    expect(els.map((e) => [e.action_id, e.value, e.style])).toEqual([
      [`${ACTION.optionPrefix}0`, `${req.id}:0`, 'primary'],
      [`${ACTION.optionPrefix}1`, `${req.id}:1`, 'danger'],
      [ACTION.comment, req.id, undefined],
    ]);
    expect(blockProblems(msg.blocks)).toEqual([]);
  });

  it('uses one button per option up to five, a static select beyond', () => {
    const opts = (n: number) => Array.from({ length: n }, (_, i) => ({ value: `v${i}`, label: `Option ${i}` }));
    expect(actions(makeRequest({ type: 'choice', options: opts(5) })).map((e) => e.type)).toEqual(Array(5).fill('button'));
    const req = makeRequest({ type: 'choice', options: opts(25) });
    const [select] = actions(req);
    expect(select.type).toBe('static_select');
    expect(select.options).toHaveLength(25);
    expect(select.options[24]).toMatchObject({ value: `${req.id}:24`, text: { text: 'Option 24' } });
  });

  it('offers "Answer…" for text and form requests', () => {
    for (const type of ['text', 'form'] as const) {
      const [button] = actions(makeRequest({ type, options: [] }));
      expect(button).toMatchObject({ action_id: ACTION.answer, text: { text: 'Answer…' } });
    }
  });

  it('shows the workflow, its recent decisions, the deadline, approvers and votes', () => {
    const past = makeRequest({ title: 'Deploy v2.2?', state: 'resolved', workflow_id: 'wf-1', closed_at: at, response: response({ value: 'reject', responder: { channel: 'telegram', id: '42', name: 'Ana' } }) });
    const req = makeRequest({
      workflow_id: 'wf-1',
      expires_at: '2024-03-02T09:00:00.000Z',
      approvers: ['slack:U0ANA', 'slack:U0BEN', 'email:x@example.com'],
      quorum: 2,
      votes: [response()],
    });
    const text = JSON.stringify(renderPending(req, { history: [past] }).blocks);
    expect(text).toContain('Workflow `wf-1`');
    expect(text).toContain('❌ Deploy v2.2? (rejected by Ana via Telegram)');
    expect(text).toContain(`<!date^${Date.parse('2024-03-02T09:00:00Z') / 1000}^{date_short_pretty} at {time}|2024-03-02 09:00 UTC>`);
    expect(text).toContain('Approvers: <@U0ANA>, <@U0BEN> (+1 on other channels)');
    expect(text).toContain('1 of 2 approvals: <@U0ANA>');
  });

  it('stays within every Block Kit limit for the largest request the API accepts', () => {
    const context = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`key${i}`, 'x'.repeat(300)]));
    const req = makeRequest({
      title: 'T'.repeat(200),
      body: ('word '.repeat(300) + '\n\n').repeat(6).slice(0, 8000) + '<&>'.repeat(300),
      context,
      type: 'choice',
      options: Array.from({ length: 10 }, (_, i) => ({ value: 'v'.repeat(100) + i, label: 'L'.repeat(75) })),
    });
    for (const msg of [renderPending(req), renderClosed(req, { state: 'cancelled', response: null })]) {
      expect(blockProblems(msg.blocks)).toEqual([]);
      expect(msg.blocks.length).toBeLessThanOrEqual(LIMITS.blocks);
      expect(msg.text.length).toBeLessThanOrEqual(LIMITS.fallbackText);
    }
    expect(JSON.stringify(renderPending(req).blocks)).toContain('more context fields');
  });

  it('escapes agent text so it cannot mention @channel or inject links', () => {
    const req = makeRequest({ body: 'ping <!channel> & <@U0ANA>', context: { who: '<!here>' } });
    const text = JSON.stringify(renderPending(req).blocks);
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<!here>');
    expect(text).toContain('&lt;!channel&gt; &amp; &lt;@U0ANA&gt;');
  });
});

describe('renderClosed and notices', () => {
  it('removes the buttons and shows who decided and when', () => {
    const req = makeRequest({ state: 'resolved', closed_at: at });
    const msg = renderClosed(req, { state: 'resolved', response: response({ comment: 'looks good' }) });
    expect(msg.blocks.some((b) => b.type === 'actions')).toBe(false);
    const text = JSON.stringify(msg.blocks);
    expect(text).toContain(`✅ Approved by <@U0ANA> · <!date^${Date.parse(at) / 1000}^{time}|14:02 UTC>`);
    expect(text).toContain('>looks good');
  });

  it('names answers from other channels and each kind of outcome', () => {
    const req = makeRequest({ state: 'resolved', closed_at: at });
    const ana = { channel: 'telegram' as const, id: '42', name: 'Ana' };
    expect(outcomeLine(req, { state: 'resolved', response: response({ value: 'reject', responder: ana }) })).toMatch(/^❌ Rejected by Ana via Telegram · <!date\^/);
    expect(outcomeLine(req, { state: 'expired', response: null })).toMatch(/^⌛ Expired · /);
    expect(outcomeLine(req, { state: 'expired', response: response({ value: 'reject' }) })).toContain('*Reject* applied');
    expect(outcomeLine(req, { state: 'cancelled', response: null })).toMatch(/^🚫 Cancelled · /);
    const choice = makeRequest({ type: 'choice', options: [{ value: 'a', label: 'Plan A' }, { value: 'b', label: 'Plan B' }], closed_at: at });
    expect(outcomeLine(choice, { state: 'resolved', response: response({ value: 'b' }) })).toMatch(/^✅ \*Plan B\* — chosen by <@U0ANA>/);
    expect(closedNotice({ ...req, response: response({ value: 'reject', responder: ana }) })).toBe('Already rejected by Ana via Telegram.');
    expect(closedNotice({ ...req, state: 'cancelled' })).toBe('This request was cancelled.');
  });

  it('lists every approver once a quorum approval resolves', () => {
    const ben = response({ responder: { channel: 'slack', id: 'U0BEN' } });
    const req = makeRequest({ quorum: 2, votes: [response(), ben], closed_at: at, state: 'resolved' });
    expect(outcomeLine(req, { state: 'resolved', response: ben })).toContain('Approved by <@U0ANA>, <@U0BEN>');
  });

  it('shows a form response as fields', () => {
    const req = makeRequest({ type: 'form', options: [], fields: [{ name: 'reason', label: 'Why?', type: 'text' }], closed_at: at });
    const msg = renderClosed(req, { state: 'resolved', response: response({ value: null, fields: { reason: 'because' } }) });
    expect(JSON.stringify(msg.blocks)).toContain('*Why?*\\nbecause');
  });
});

describe('markdownToMrkdwn', () => {
  it('converts the common Markdown constructs', () => {
    expect(markdownToMrkdwn('# Title\n**bold** and *it* and ~~gone~~')).toBe('*Title*\n*bold* and _it_ and ~gone~');
    expect(markdownToMrkdwn('see [the docs](https://x.test/a?b=1) or <https://y.test>')).toBe('see <https://x.test/a?b=1|the docs> or <https://y.test>');
    expect(markdownToMrkdwn('- one\n- two\n* three')).toBe('• one\n• two\n• three');
    expect(markdownToMrkdwn('> quoted <b>')).toBe('>quoted &lt;b&gt;');
    expect(markdownToMrkdwn('`a < b` and\n```\nx **not bold** <y>\n```')).toBe('`a &lt; b` and\n```\nx **not bold** &lt;y&gt;\n```');
  });

  it('refuses to link anything but http(s) and mailto', () => {
    expect(markdownToMrkdwn('[x](javascript:alert(1))')).not.toContain('<javascript');
  });

  it('chunks long text on paragraph boundaries within the limit', () => {
    const chunks = chunkText(('a'.repeat(1000) + '\n\n').repeat(7), 3000);
    // Three 1,000-character paragraphs and their separators exceed 3,000: two per chunk.
    expect(chunks.map((c) => c.length)).toEqual([2002, 2002, 2002, 1000]);
    expect(chunks.every((c) => /^a{1000}(\n\na{1000})*$/.test(c))).toBe(true);
  });
});

describe('codec', () => {
  const id = 'req_01hxyzabcdefghjkmnpqrstvwx';
  it('reads the actions it rendered', () => {
    expect(parseAction({ action_id: 'sb:opt:1', value: `${id}:1` })).toEqual({ kind: 'option', requestId: id, index: 1 });
    expect(parseAction({ action_id: ACTION.select, selected_option: { value: `${id}:7` } })).toEqual({ kind: 'option', requestId: id, index: 7 });
    expect(parseAction({ action_id: ACTION.answer, value: id })).toEqual({ kind: 'answer', requestId: id });
  });

  it('calls tampered values tampered and unknown actions unknown, never throwing', () => {
    expect(parseAction({ action_id: 'sb:opt:1', value: `${id}:0` }).kind).toBe('tampered');
    expect(parseAction({ action_id: 'sb:opt:0', value: `DROP TABLE:0` }).kind).toBe('tampered');
    expect(parseAction({ action_id: 'sb:opt:0', value: 42 }).kind).toBe('tampered');
    expect(parseAction({ action_id: ACTION.select, selected_option: null }).kind).toBe('tampered');
    expect(parseAction({ action_id: 'something_else' }).kind).toBe('unknown');
    expect(parseAction(null).kind).toBe('unknown');
  });

  it('round-trips a modal origin and rejects a forged one', () => {
    const origin = { requestId: id, channel: 'C0APPROVALS', ts: '1700000000.000100' };
    expect(decodeOrigin(encodeOrigin(origin))).toEqual(origin);
    expect(decodeOrigin('{"r":"x","c":"C1","t":"1.2"}')).toBeUndefined();
    expect(decodeOrigin('not json')).toBeUndefined();
  });
});

describe('modal', () => {
  const origin = { requestId: 'req_0001xxxxxxxxxxxxxxxxxxxxxx', channel: 'C0APPROVALS', ts: '1700000000.000100' };

  it('maps form fields to Block Kit inputs', () => {
    const req = makeRequest({
      type: 'form',
      options: [],
      fields: [
        { name: 'reason', label: 'Why?', type: 'textarea', required: true },
        { name: 'count', label: 'How many?', type: 'number' },
        { name: 'urgent', label: 'Urgent', type: 'boolean' },
        { name: 'env', label: 'Where', type: 'select', options: [{ value: 'prod', label: 'Production' }] },
      ],
    });
    const view = renderModal(req, origin) as any;
    expect(view.callback_id).toBe('sb:view:form');
    const inputs = view.blocks.filter((b: any) => b.type === 'input');
    expect(inputs.map((b: any) => [b.block_id, b.element.type, b.optional])).toEqual([
      ['f:reason', 'plain_text_input', false],
      ['f:count', 'number_input', true],
      ['f:urgent', 'checkboxes', true],
      ['f:env', 'static_select', true],
    ]);
    expect(decodeOrigin(view.private_metadata)).toEqual(origin);
  });

  it('reads submissions back, with errors keyed by block id', () => {
    const ok = parseSubmission('form', {
      'f:reason': { v: { type: 'plain_text_input', value: 'because' } },
      'f:count': { v: { type: 'number_input', value: '3' } },
      'f:urgent': { v: { type: 'checkboxes', selected_options: [] } },
      'f:env': { v: { type: 'static_select', selected_option: { value: 'prod' } } },
    });
    expect(ok).toEqual({ ok: true, answer: { fields: { reason: 'because', count: 3, urgent: false, env: 'prod' } } });
    expect(parseSubmission('form', { 'f:count': { v: { type: 'number_input', value: 'lots' } } })).toEqual({ ok: false, errors: { 'f:count': 'Enter a number.' } });
    expect(parseSubmission('approval', { [BLOCK.value]: { v: { type: 'radio_buttons', selected_option: { value: 'reject' } } }, [BLOCK.comment]: { v: { type: 'plain_text_input', value: ' no ' } } })).toEqual({
      ok: true,
      answer: { value: 'reject', comment: ' no ' },
    });
    expect(parseSubmission('text', { [BLOCK.text]: { v: { value: '   ' } } }).ok).toBe(false);
    expect(parseSubmission('text', 'garbage').ok).toBe(false);
  });
});
