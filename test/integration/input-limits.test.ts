import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/domain/limits.js';
import { startTestHub, type TestHub } from '../helpers/harness.js';

// Input Postgres would refuse (NUL, unpaired surrogates), nesting that overflows JSON.stringify, and
// strings over the limits of src/domain/limits.ts: a 422 naming the field, never a 500, and nothing
// written — through the API and through the web page alike.

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => t?.stop());

const NUL = 'x\u0000y';
const web = { recipients: [{ channel: 'web' }] };
const PROBLEM = /^application\/problem\+json/;

const requestCount = async () => (await t.sql`select count(*)::int as n from requests`)[0]!.n as number;

/** Creates a request; expects a 422 naming `path`, with nothing written. */
async function refusedCreate(body: unknown, path: string) {
  const before = await requestCount();
  const res = await t.api('POST', '/v1/requests', body);
  expect(res.status).toBe(422);
  expect(res.headers.get('content-type')).toMatch(PROBLEM);
  expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
  expect(await requestCount()).toBe(before);
  return res;
}

async function create(body: Record<string, unknown>): Promise<{ id: string; web: string }> {
  const res = await t.api('POST', '/v1/requests', { ...web, ...body });
  expect(res.status).toBe(201);
  return { id: res.body.id, web: res.body.links.web };
}

/** What an answer left behind: responses stored, and the request's state. */
async function traces(id: string) {
  const [r] = await t.sql`
    select (select count(*)::int from responses where request_id = ${id}) as responses,
           (select state from requests where id = ${id}) as state`;
  return r!;
}

/** The form token of the page at `link`, as a browser showing it holds it. */
async function formTokenOf(link: string): Promise<string> {
  const page = await fetch(link);
  return /name="form_token" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
}

/** Posts the page's form as a browser holding the page would, with its form token. */
async function postForm(link: string, form: Record<string, string>, formToken?: string) {
  formToken ??= await formTokenOf(link);
  const res = await fetch(link, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ form_token: formToken, ...form }),
  });
  return { status: res.status, html: await res.text() };
}

describe('NUL characters and unpaired surrogates at create', () => {
  it.each([
    ['title', { ...web, title: NUL }, 'title'],
    ['body', { ...web, title: 't', body: NUL }, 'body'],
    ['context (nested value)', { ...web, title: 't', context: { a: { b: [NUL] } } }, 'context.a.b.0'],
    ['context (key)', { ...web, title: 't', context: { [NUL]: 1 } }, 'context'],
    ['context (unpaired surrogate)', { ...web, title: 't', context: { a: 'x\ud800' } }, 'context.a'],
    ['metadata', { ...web, title: 't', metadata: { m: NUL } }, 'metadata.m'],
    ['workflow_id', { ...web, title: 't', workflow_id: NUL }, 'workflow_id'],
    ['checkpoint_id', { ...web, title: 't', checkpoint_id: NUL }, 'checkpoint_id'],
    ['recipients.to', { title: 't', recipients: [{ channel: 'web', to: NUL }] }, 'recipients.0.to'],
    ['approvers', { ...web, title: 't', approvers: [`api:${NUL}`] }, 'approvers.0'],
    ['an option label', { ...web, title: 't', type: 'choice', options: [{ value: 'a', label: NUL }, { value: 'b', label: 'B' }] }, 'options.0.label'],
    ['a field label', { ...web, title: 't', type: 'form', fields: [{ name: 'f', label: NUL, type: 'text' }] }, 'fields.0.label'],
    ['on_timeout.comment', { ...web, title: 't', timeout_seconds: 60, on_timeout: { value: 'reject', comment: NUL } }, 'on_timeout.comment'],
  ])('refuses one in %s with a 422 naming it', async (_what, body, path) => {
    await refusedCreate(body, path);
  });
});

describe('deeply nested JSON', () => {
  const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  /** An object `depth` levels deep in 2 bytes a level, so 60,000 levels fit the 256 KiB body limit. */
  const deepObject = (depth: number) => `{"a":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;

  it('refuses a 60,000-deep context or metadata with a 422 naming it', async () => {
    for (const field of ['context', 'metadata']) {
      await refusedCreate(`{"title":"t","recipients":[{"channel":"web"}],"${field}":${deepObject(60_000)}}`, field);
    }
  });

  it(`refuses a context deeper than ${LIMITS.jsonDepth} levels and accepts one exactly that deep`, async () => {
    const res = await refusedCreate(`{"title":"t","recipients":[{"channel":"web"}],"context":${nested(LIMITS.jsonDepth + 1)}}`, 'context');
    expect(res.body.errors).toContainEqual({ path: 'context', message: `must not nest more than ${LIMITS.jsonDepth} levels deep` });
    const ok = await t.api('POST', '/v1/requests', `{"title":"t","recipients":[{"channel":"web"}],"context":${nested(LIMITS.jsonDepth)}}`);
    expect(ok.status).toBe(201);
  });

  it('answers a 60,000-deep body on any JSON route with a 4xx problem, and keeps serving', async () => {
    const { id } = await create({ title: 'deep answers' });
    const deepArray = `${'['.repeat(60_000)}${']'.repeat(60_000)}`;
    for (const path of ['/v1/requests', `/v1/requests/${id}/responses`, `/v1/requests/${id}/cancel`]) {
      const res = await t.api('POST', path, deepArray);
      expect(res.status).toBe(422);
      expect(res.headers.get('content-type')).toMatch(PROBLEM);
    }
    const answer = await t.api('POST', `/v1/requests/${id}/responses`, `{"value":"approve","fields":${deepObject(60_000)}}`);
    expect(answer.status).toBe(422);
    expect(answer.body.errors[0].path).toBe('fields');
    expect(await traces(id)).toEqual({ responses: 0, state: 'pending' });
    expect((await fetch(`${t.baseUrl}/healthz`)).status).toBe(200);
  });
});

describe('length limits at create', () => {
  it.each(['text', 'approval'])('refuses a 200 KB on_timeout.value on a %s request, naming it', async (type) => {
    const body = { ...web, title: 't', type, timeout_seconds: 60, on_timeout: { value: 'x'.repeat(200_000) } };
    const res = await refusedCreate(body, 'on_timeout.value');
    expect(res.body.errors).toContainEqual({ path: 'on_timeout.value', message: `must be at most ${LIMITS.optionValue} characters` });
  });

  it('refuses a 200 KB approver, naming it', async () => {
    const res = await refusedCreate({ ...web, title: 't', approvers: ['web:*', `slack:${'U'.repeat(200_000)}`] }, 'approvers.1');
    expect(res.body.errors).toContainEqual({ path: 'approvers.1', message: `must be at most ${LIMITS.approver} characters` });
  });
});

describe('answers through the API', () => {
  const TOO_LONG = `must be at most ${LIMITS.comment} characters`;
  const NUL_MESSAGE = 'must not contain the NUL character (\\u0000)';
  it.each([
    ['a comment over the limit', { value: 'approve', comment: 'x'.repeat(LIMITS.comment + 1) }, 'comment', TOO_LONG],
    ['a NUL in the value', { value: NUL }, 'value', NUL_MESSAGE],
    ['a NUL in the comment', { value: 'approve', comment: NUL }, 'comment', NUL_MESSAGE],
    ['a NUL in the responder name', { value: 'approve', responder: { name: NUL } }, 'responder.name', NUL_MESSAGE],
    ['a NUL in the responder id', { value: 'approve', responder: { id: NUL } }, 'responder.id', NUL_MESSAGE],
  ])('refuses %s with a 422 naming it, and stores nothing', async (_what, body, path, message) => {
    const { id } = await create({ title: 'api answers' });
    const res = await t.api('POST', `/v1/requests/${id}/responses`, body);
    expect(res.status).toBe(422);
    expect(res.body.errors).toContainEqual({ path, message });
    expect(await traces(id)).toEqual({ responses: 0, state: 'pending' });
  });

  it('refuses a form field value over the limit or with a NUL', async () => {
    const { id } = await create({ title: 'form', type: 'form', fields: [{ name: 'reason', label: 'Why?', type: 'textarea' }] });
    for (const value of ['x'.repeat(LIMITS.fieldValue + 1), NUL]) {
      const res = await t.api('POST', `/v1/requests/${id}/responses`, { fields: { reason: value } });
      expect(res.status).toBe(422);
      expect(res.body.errors[0].path).toBe('fields.reason');
    }
    // A NUL in a field's name: a 422 without quoting it (the audit log's jsonb could not store it).
    const badName = await t.api('POST', `/v1/requests/${id}/responses`, { fields: { [`re${NUL}`]: 'x' } });
    expect(badName.status).toBe(422);
    expect(badName.body.errors).toEqual([{ path: 'fields', message: 'names a field this form does not have' }]);
    expect(await traces(id)).toEqual({ responses: 0, state: 'pending' });
  });

  it('takes a text answer up to the limit as its value', async () => {
    const { id } = await create({ title: 'text', type: 'text' });
    const over = await t.api('POST', `/v1/requests/${id}/responses`, { value: 'x'.repeat(LIMITS.answerText + 1) });
    expect(over.status).toBe(422);
    expect(over.body.errors[0].path).toBe('value');
    const res = await t.api('POST', `/v1/requests/${id}/responses`, { value: 'y'.repeat(LIMITS.answerText) });
    expect(res.status).toBe(200);
    expect(res.body.response.value).toHaveLength(LIMITS.answerText);
  });
});

describe('answers through the web page: the same limits', () => {
  it('refuses a 200,000-character comment, storing nothing', async () => {
    const { id, web: link } = await create({ title: 'web comment' });
    const res = await postForm(link, { value: 'approve', comment: 'x'.repeat(200_000) });
    expect(res.status).toBe(422);
    expect(res.html).toContain(`comment: must be at most ${LIMITS.comment} characters`);
    expect(await traces(id)).toEqual({ responses: 0, state: 'pending' });
  });

  it('refuses a 200,000-character answer to a text request, storing nothing', async () => {
    const { id, web: link } = await create({ title: 'web text', type: 'text' });
    const res = await postForm(link, { value: 'x'.repeat(200_000) });
    expect(res.status).toBe(422);
    expect(res.html).toContain(`value: must be at most ${LIMITS.answerText} characters`);
    expect(await traces(id)).toEqual({ responses: 0, state: 'pending' });
  });

  it('refuses a 200,000-character form field, storing nothing', async () => {
    const { id, web: link } = await create({ title: 'web form', type: 'form', fields: [{ name: 'reason', label: 'Why?', type: 'textarea' }] });
    const res = await postForm(link, { 'f.reason': 'x'.repeat(200_000) });
    expect(res.status).toBe(422);
    expect(await traces(id)).toEqual({ responses: 0, state: 'pending' });
  });

  it('refuses a NUL in the comment or the typed name with a 422, not a 500', async () => {
    const { id, web: link } = await create({ title: 'web nul' });
    expect((await postForm(link, { value: 'approve', comment: NUL })).status).toBe(422);
    expect((await postForm(link, { value: 'approve', name: NUL })).status).toBe(422);
    expect(await traces(id)).toEqual({ responses: 0, state: 'pending' });
  });

  it('records a refused oversized answer in the audit log cut short and storable', async () => {
    const { id, web: link } = await create({ title: 'web audit' });
    const formToken = await formTokenOf(link); // shown while pending, posted once closed
    expect((await t.api('POST', `/v1/requests/${id}/cancel`)).status).toBe(200);
    const res = await postForm(link, { value: `${'v'.repeat(200_000)}\u0000`, name: `Ana${NUL}` }, formToken);
    expect(res.status).toBe(409);
    const [event] = await t.sql`select data from events where request_id = ${id} and type = 'answer.refused'`;
    const data = event!.data as { why: string; value: string; responder: { name: string } };
    expect(data.why).toBe('closed');
    expect(data.value).toBe(`${'v'.repeat(LIMITS.answerText)}…`);
    expect(data.responder.name).toBe('Anax\ufffdy');
  });
});

describe('other strings that reach Postgres', () => {
  it('refuses a NUL in the list filter workflow_id with a 422 naming it', async () => {
    const res = await t.api('GET', '/v1/requests?workflow_id=%00');
    expect(res.status).toBe(422);
    expect(res.body.errors[0].path).toBe('workflow_id');
  });

  it('refuses a cancel reason with a NUL, and cuts a long one without splitting a character', async () => {
    const { id } = await create({ title: 'cancel reasons' });
    const refused = await t.api('POST', `/v1/requests/${id}/cancel`, { reason: NUL });
    expect(refused.status).toBe(422);
    expect(refused.body.errors[0].path).toBe('reason');
    expect((await traces(id)).state).toBe('pending');
    // 'a' then emoji: the cut at LIMITS.cancelReason falls between the two halves of a surrogate pair.
    const res = await t.api('POST', `/v1/requests/${id}/cancel`, { reason: `a${'\u{1F680}'.repeat(LIMITS.cancelReason)}` });
    expect(res.status).toBe(200);
    const [event] = await t.sql`select data from events where request_id = ${id} and type = 'request.cancelled'`;
    const reason = (event!.data as { reason: string }).reason;
    expect(reason).toBe(`a${'\u{1F680}'.repeat((LIMITS.cancelReason - 2) / 2)}…`);
  });
});
