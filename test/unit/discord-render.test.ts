import { ButtonStyle, ComponentType, MessageFlags, TextInputStyle } from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import { CUSTOM_ID_MAX, discordTarget, parseAction, responderOf } from '../../channels/discord/codec.js';
import { escapeMarkdown, ephemeral, LIMITS, outcomeLine, renderClosed, renderModal, renderPending } from '../../channels/discord/render.js';
import { outcomeOf, type Request, type Response } from '../../src/domain/types.js';
import { makeRequest } from '../helpers/fixtures.js';

const at = '2024-03-01T14:02:00.000Z';
const response = (over: Partial<Response> = {}): Response => ({
  value: 'approve',
  comment: null,
  fields: {},
  responder: { channel: 'discord', id: '80351110224678912', name: 'ana' },
  responded_at: at,
  ...over,
});
const resolved = (r: Request, over: Partial<Response> = {}): Request => ({ ...r, state: 'resolved', closed_at: at, response: response(over) });

type Row = { type: number; components: Array<Record<string, unknown> & { type: number }> };
const rowsOf = (r: Request, formUrl?: string) => renderPending(r, { formUrl }).components as unknown as Row[];

describe('renderPending', () => {
  it('is an embed with the title, the Markdown body kept, context as fields, and the deadline', () => {
    const r = makeRequest({
      body: 'Changes: **payments** retry fix',
      context: { service: 'payments', risk: 'high_*' },
      expires_at: '2024-03-02T09:00:00.000Z',
      on_timeout: { value: 'reject' },
    });
    const [embed] = renderPending(r).embeds;
    expect(embed!.title).toBe(r.title);
    expect(embed!.description).toContain('Changes: **payments** retry fix');
    expect(embed!.description).toContain(`<t:${Date.parse('2024-03-02T09:00:00.000Z') / 1000}:f>`);
    expect(embed!.description).toContain('then **Reject**');
    expect(embed!.fields).toEqual(
      expect.arrayContaining([
        { name: 'service', value: 'payments', inline: true },
        { name: 'risk', value: 'high\\_\\*', inline: true },
      ]),
    );
    expect(renderPending(r).allowed_mentions).toEqual({ parse: [] });
  });

  it('shows the recent decisions of the workflow', () => {
    const earlier = resolved(makeRequest({ title: 'Deploy v2.2?', workflow_id: 'wf' }));
    const r = makeRequest({ workflow_id: 'wf' });
    const fields = renderPending(r, { history: [earlier] }).embeds[0]!.fields!;
    const recent = fields.find((f) => f.name === 'Recent decisions');
    expect(recent?.value).toContain('Deploy v2.2?');
    expect(recent?.value).toContain('approved by <@80351110224678912> via Discord');
  });

  it('puts approval buttons in one row, the first green, with custom_id sb:o:<id>:<index>', () => {
    const r = makeRequest();
    const [row] = rowsOf(r);
    expect(row!.type).toBe(ComponentType.ActionRow);
    expect(row!.components.map((b) => [b.label, b.style, b.custom_id])).toEqual([
      ['Approve', ButtonStyle.Success, `sb:o:${r.id}:0`],
      ['Reject', ButtonStyle.Danger, `sb:o:${r.id}:1`],
    ]);
  });

  it('has at most five buttons a row and five rows; more options become string selects of 25', () => {
    const options = (n: number) => Array.from({ length: n }, (_, i) => ({ value: `v${i}`, label: `Option ${i}` }));
    const buttons = rowsOf(makeRequest({ type: 'choice', options: options(23) }));
    expect(buttons.map((row) => row.components.length)).toEqual([5, 5, 5, 5, 3]);
    const selects = rowsOf(makeRequest({ type: 'choice', options: options(30) }));
    expect(selects).toHaveLength(2);
    expect(selects.every((row) => row.components.length === 1 && row.components[0]!.type === Number(ComponentType.StringSelect))).toBe(true);
    const first = selects[0]!.components[0] as unknown as { options: { value: string }[]; custom_id: string };
    expect(first.options).toHaveLength(LIMITS.selectOptions);
    expect(first.options[24]!.value).toBe('24');
    expect(parseAction(first.custom_id)?.kind).toBe('select');
  });

  it('gives text and short forms an Answer button; long forms a link button to the web page', () => {
    const text = makeRequest({ type: 'text', options: [] });
    expect(rowsOf(text)[0]!.components).toEqual([expect.objectContaining({ label: 'Answer', custom_id: `sb:a:${text.id}` })]);
    const field = (i: number) => ({ name: `f${i}`, label: `Field ${i}`, type: 'text' as const });
    const long = makeRequest({ type: 'form', options: [], fields: Array.from({ length: 6 }, (_, i) => field(i)) });
    expect(rowsOf(long, 'https://hub.example/r/tok')[0]!.components).toEqual([{ type: ComponentType.Button, style: ButtonStyle.Link, label: 'Open the form', url: 'https://hub.example/r/tok' }]);
  });

  it('keeps every custom_id within 100 characters', () => {
    const r = makeRequest({ id: `req_${'z'.repeat(40)}`, type: 'choice', options: Array.from({ length: 25 }, (_, i) => ({ value: `${i}`, label: `${i}` })) });
    for (const row of rowsOf(r)) for (const c of row.components) expect(String(c.custom_id).length).toBeLessThanOrEqual(CUSTOM_ID_MAX);
  });

  it('stays within the embed limits with a huge body and context', () => {
    const context = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`key${i}`, 'x'.repeat(300)]));
    const [embed] = renderPending(makeRequest({ body: 'b'.repeat(8000), context })).embeds;
    const total = (embed!.title?.length ?? 0) + (embed!.description?.length ?? 0) + (embed!.footer?.text.length ?? 0) + (embed!.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0);
    expect(embed!.description!.length).toBeLessThanOrEqual(LIMITS.embedDescription);
    expect(embed!.fields!.length).toBeLessThanOrEqual(LIMITS.embedFields);
    expect(total).toBeLessThanOrEqual(LIMITS.embedTotal);
    expect(embed!.fields!.at(-1)!.value).toMatch(/more context fields/);
  });
});

describe('renderClosed', () => {
  it('shows the shared outcome text with a mention for a Discord user, and no components', () => {
    const r = resolved(makeRequest());
    const closed = renderClosed(r, outcomeOf(r)!);
    expect(closed.components).toEqual([]);
    expect(closed.embeds[0]!.description).toContain('✅ Approved by <@80351110224678912> via Discord · 14:02 UTC');
  });

  it('names people from other channels by name, escaped', () => {
    const r = resolved(makeRequest(), { responder: { channel: 'slack', id: 'U1', name: 'ana_b' } });
    expect(outcomeLine(r, outcomeOf(r)!)).toBe('✅ Approved by ana\\_b via Slack · 14:02 UTC');
  });

  it('quotes a text answer and shows expiry and cancellation', () => {
    const text = resolved(makeRequest({ type: 'text', options: [] }), { value: 'Ship *it*' });
    expect(renderClosed(text, outcomeOf(text)!).embeds[0]!.description).toContain('> Ship \\*it\\*');
    const cancelled: Request = { ...makeRequest(), state: 'cancelled', closed_at: at };
    expect(outcomeLine(cancelled, outcomeOf(cancelled)!)).toBe('🚫 Cancelled · 14:02 UTC');
  });
});

describe('renderModal', () => {
  it('asks a text request for one paragraph', () => {
    const r = makeRequest({ type: 'text', options: [], title: 'What should the release be called, and why? Explain.' });
    const modal = renderModal(r);
    expect(modal.custom_id).toBe(`sb:m:${r.id}`);
    expect(modal.title.length).toBeLessThanOrEqual(LIMITS.modalTitle);
    expect(modal.components).toEqual([{ type: ComponentType.ActionRow, components: [expect.objectContaining({ type: ComponentType.TextInput, custom_id: 'v', style: TextInputStyle.Paragraph })] }]);
  });

  it('gives each form field its own input', () => {
    const r = makeRequest({
      type: 'form',
      options: [],
      fields: [
        { name: 'reason', label: 'Reason', type: 'textarea', required: true },
        { name: 'count', label: 'How many', type: 'number' },
      ],
    });
    const inputs = renderModal(r).components.map((row) => (row as unknown as Row).components[0]!);
    expect(inputs.map((i) => [i.custom_id, i.style, i.required, i.label])).toEqual([
      ['f:0', TextInputStyle.Paragraph, true, 'Reason'],
      ['f:1', TextInputStyle.Short, false, 'How many'],
    ]);
  });
});

describe('codec', () => {
  it('reads back only what it wrote', () => {
    expect(parseAction('sb:o:req_abc:3')).toEqual({ kind: 'option', requestId: 'req_abc', index: 3 });
    expect(parseAction('sb:a:req_abc')).toEqual({ kind: 'answer', requestId: 'req_abc' });
    expect(parseAction('sb:m:req_abc')).toEqual({ kind: 'modal', requestId: 'req_abc' });
    for (const bad of ['sb:o:req_abc', 'sb:a:req_abc:1', 'sb:x:req_abc', 'sb:o:REQ:1', 'x'.repeat(200), 42, undefined]) expect(parseAction(bad)).toBeUndefined();
  });

  it('takes a channel snowflake or user:<id> as a recipient', () => {
    expect(discordTarget('123456789012345678')).toEqual({ channel: '123456789012345678' });
    expect(discordTarget('user:80351110224678912')).toEqual({ user: '80351110224678912' });
    for (const bad of ['#general', 'user:ana', '12', undefined]) expect(discordTarget(bad)).toHaveProperty('error');
  });

  it('names a person by nick, else global name, else username', () => {
    const user = { id: '1', username: 'ana', global_name: 'Ana B' };
    expect(responderOf(user, 'boss')).toEqual({ channel: 'discord', id: '1', name: 'boss' });
    expect(responderOf(user, null)).toEqual({ channel: 'discord', id: '1', name: 'Ana B' });
    expect(responderOf({ id: '1', username: 'ana', global_name: null })).toEqual({ channel: 'discord', id: '1', name: 'ana' });
  });

  it('escapes Discord Markdown and makes ephemeral replies', () => {
    expect(escapeMarkdown('a*b_c`d <@1>')).toBe('a\\*b\\_c\\`d \\<\\@1\\>');
    expect(ephemeral('why')).toEqual({ content: 'why', flags: MessageFlags.Ephemeral, allowed_mentions: { parse: [] } });
  });
});
