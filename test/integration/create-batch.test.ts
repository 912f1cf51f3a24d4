import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequestSchema } from '../../src/domain/request-schema.js';
import { CreateBatcher } from '../../src/store/create-batcher.js';
import { buildRequest } from '../../src/store/new-request.js';
import { startTestHub, type TestHub } from '../helpers/harness.js';

let t: TestHub;
let other: postgres.Sql;
beforeAll(async () => {
  t = await startTestHub();
  other = postgres(t.databaseUrl, { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  await other?.end({ timeout: 2 });
  await t?.stop();
});

const approval = (title: string) => ({ title, recipients: [{ channel: 'web' }] });
const create = (body: unknown, headers?: Record<string, string>) => t.api('POST', '/v1/requests', body, headers);

describe('group commit for creates', () => {
  it('stores 100 concurrent creates, each answered with its own request', async () => {
    const titles = Array.from({ length: 100 }, (_, i) => `Concurrent ${i}`);
    const answers = await Promise.all(titles.map((title) => create({ ...approval(title), timeout_seconds: 600 })));
    expect(answers.map((a) => a.status)).toEqual(titles.map(() => 201));
    expect(answers.map((a) => a.body.title)).toEqual(titles);
    const ids = answers.map((a) => a.body.id as string);
    expect(new Set(ids).size).toBe(100);
    const rows = await other`select id, title from requests where id = any(${ids})`;
    expect(new Map(rows.map((r) => [r.id, r.title]))).toEqual(new Map(ids.map((id, i) => [id, titles[i]])));
    // Each got its own delivery, its events in the single-create order, and its expire job.
    const events = await other`
      select request_id, array_agg(type order by id) as types from events where request_id = any(${ids}) group by request_id`;
    expect(events).toHaveLength(100);
    for (const e of events) expect(e.types).toEqual(['request.created', 'delivery.delivered']);
    const [jobs] = await other`select count(*)::int as n from outbox where job_id = any(${ids.map((id) => `expire-${id}`)})`;
    expect(jobs!.n).toBe(100);
    const [deliveries] = await other`select count(*)::int as n from deliveries where request_id = any(${ids})`;
    expect(deliveries!.n).toBe(100);
    // Rows written by one transaction share its xmin: fewer transactions than creates is the group commit.
    const [xacts] = await other`select count(distinct xmin::text)::int as n from requests where id = any(${ids})`;
    expect(xacts!.n).toBeLessThan(100);
  });

  it('isolates a create the database refuses: the rest of its batch is stored', async () => {
    const batcher = new CreateBatcher(t.app.db, { windowMs: 50, maxItems: 64 });
    const [existing] = await other`select id from requests limit 1`;
    const news = Array.from({ length: 5 }, (_, i) => buildRequest(createRequestSchema.parse(approval(`Direct ${i}`)), 'key-x', undefined));
    news[2]!.row.id = existing!.id as string; // a primary key that is taken
    const results = await Promise.allSettled(news.map((n) => batcher.insert(n)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const stored = news.filter((_, i) => i !== 2).map((n) => n.row.id);
    const [row] = await other`select count(*)::int as n from requests where id = any(${stored})`;
    expect(row!.n).toBe(4);
  });

  it('fails an invalid create alone among valid ones', async () => {
    const bodies: unknown[] = Array.from({ length: 20 }, (_, i) => approval(`Valid ${i}`));
    bodies.splice(7, 0, { recipients: [{ channel: 'web' }] });
    const answers = await Promise.all(bodies.map((b) => create(b)));
    expect(answers[7]!.status).toBe(422);
    expect(answers[7]!.body.errors[0].path).toBe('title');
    const good = answers.filter((_, i) => i !== 7);
    expect(good.map((a) => a.status)).toEqual(good.map(() => 201));
    const [row] = await other`select count(*)::int as n from requests where id = any(${good.map((a) => a.body.id as string)})`;
    expect(row!.n).toBe(20);
  });

  it('resolves one Idempotency-Key sent 10 times at once to one request', async () => {
    const headers = { 'idempotency-key': 'same-key-10' };
    const answers = await Promise.all(Array.from({ length: 10 }, () => create(approval('Once only'), headers)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    const ids = new Set(answers.map((a) => a.body.id));
    expect(ids.size).toBe(1);
    const [row] = await other`select count(*)::int as n from requests where idempotency_key = 'same-key-10'`;
    expect(row!.n).toBe(1);
    const [id] = ids;
    const [d] = await other`select count(*)::int as n from deliveries where request_id = ${id as string}`;
    expect(d!.n).toBe(1);
  });

  it('refuses the same Idempotency-Key with another body in the same batch', async () => {
    const headers = { 'idempotency-key': 'same-key-other-body' };
    const answers = await Promise.all([create(approval('First body'), headers), create(approval('Second body'), headers)]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
  });

  it('answers a create only after its commit: another connection reads it at once', async () => {
    const answers = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const res = await create(approval(`Committed ${i}`));
        const rows = await other`select state from requests where id = ${res.body.id as string}`;
        return rows[0]?.state;
      }),
    );
    expect(answers).toEqual(answers.map(() => 'pending'));
  });
  it("answers each create with the request exactly as a later GET reads it, alone or in a batch", async () => {
    const rich = (i: number) => ({
      type: 'choice', title: `Rich ${i}`, body: 'Pick one', options: [{ value: 'a', label: 'A' }, { value: 'b', label: 'B', style: 'danger' }],
      recipients: [{ channel: 'web' }, { channel: 'web', to: 'alice@example.com' }], approvers: [], timeout_seconds: 600, on_timeout: { value: 'a' },
      callback_url: 'https://example.com/hook', workflow_id: 'wf-1', context: { z: 1, a: { nested: [1, 'two', null] } },
      metadata: { team: 'ops', n: 2.5 }, reminders: [{ after_seconds: 60 }],
    });
    for (const count of [1, 12]) {
      const answers = await Promise.all(Array.from({ length: count }, (_, i) => create(rich(i))));
      for (const a of answers) {
        expect(a.status, JSON.stringify(a.body)).toBe(201);
        const read = await t.api('GET', `/v1/requests/${a.body.id}`);
        expect(a.body).toEqual(read.body);
        expect(a.body.callback).toEqual({ url: 'https://example.com/hook', status: 'pending', attempts: 0 });
      }
    }
  });
});
