// The contract every channel passes, run from test/channels/<name>.contract.test.ts. A per-channel
// adapter starts the channel with its real client against its fake platform and a MemoryHub, and
// offers platform-neutral operations (deliver, show, answer as a person, forge, repeat, 429, auth
// error). What a platform does not have (signatures, retries, rate limits, …) the adapter declares
// with a reason, and the suite asserts the channel's equivalent instead: nothing is skipped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Channel, ChannelError } from '../../channels/channel.js';
import { decide } from '../../src/domain/decide.js';
import { answerReplyText, outcomeLine, outcomeSentence, type TextStyle } from '../../src/domain/outcome-text.js';
import type { MessageRef, Outcome, Request, Responder } from '../../src/domain/types.js';
import type { Closed, MemoryHub } from '../fakes/memory-hub.js';
import { waitFor } from '../helpers/services.js';

/** People on the platform. ana and ben may answer whatever the request names; eve is never an approver. */
export type Persona = 'ana' | 'ben' | 'eve';
/** An answer as a person gives it: pick an option (by index), or type a text answer. */
export type Reply = { option: number } | { text: string };
/** A bad signature (the payload changed after signing, a token's MAC changed), or one made with another secret. */
export type Forgery = 'tampered' | 'foreign';

/** What the platform shows for a message, as a person sees it (markup removed, entities decoded). */
export interface Shown {
  text: string;
  /** Whether it still offers a way to answer (buttons, a form). */
  actions: boolean;
  /** The labels of the options offered, in order. */
  options: string[];
  /** The largest size measured for each limit the adapter names. */
  sizes: Record<string, number>;
}

/** A capability the platform does not have, and why. */
export interface Lacks {
  lacks: string;
}

export interface ChannelAdapter {
  /** As the channel's error messages name the platform ("Slack"). */
  platform: string;
  /** The platform's documented limits by name, e.g. { 'button value': 2000 }; measured in Shown.sizes. */
  limits: Record<string, number> | Lacks;
  /** The platform signs what it sends (else the channel's own capability tokens are the proof). */
  signature: true | Lacks;
  /** The platform may deliver the same event twice (its retries). */
  redelivery: true | Lacks;
  /** The platform answers 429 with a retry-after. */
  rateLimits: true | Lacks;
  /** The channel holds a platform credential the platform can refuse. */
  credentials: true | Lacks;
  start(): Promise<ChannelUnderTest>;
}

export interface ChannelUnderTest {
  hub: MemoryHub;
  channel: Channel;
  /** The identity the channel proves for a person (the responder the hub must record). */
  identity(persona: Persona): Responder;
  /** A pending request addressed to this channel (and to the personas, where the channel needs that). */
  request(over?: Partial<Request>): Request;
  /** Puts a request (already in the hub) in front of people, and records the delivery in the hub. */
  deliver(request: Request): Promise<MessageRef>;
  show(ref: MessageRef): Promise<Shown>;
  /** Sends a valid answer, signed as the platform signs; does not wait for its outcome. */
  answer(ref: MessageRef, request: Request, persona: Persona, reply: Reply): Promise<void>;
  /** Sends an answer whose proof is forged; returns what the channel answered the sender. */
  answerForged(ref: MessageRef, request: Request, persona: Persona, reply: Reply, how: Forgery): Promise<{ status: number; text: string }>;
  /** Sends the same answer twice (a platform retry); resolves once the channel has handled or dropped both. */
  answerTwice(ref: MessageRef, request: Request, persona: Persona, reply: Reply): Promise<void>;
  /** What the person was told privately so far, as text, oldest first. */
  told(persona: Persona): string[];
  /** With `rateLimits`: the platform's next call answers 429 with this retry-after. */
  rateLimitNext?(retryAfterSeconds: number): void;
  /** With `credentials`: the platform's next call refuses the channel's credential. */
  failAuthNext?(): void;
  /** With `credentials`: what a clear auth error names (the platform's own error code). */
  authError?: RegExp;
  /** Every secret the channel holds or issued so far (tokens, signing secrets, capability tokens). */
  secrets(): string[];
  /** Everything the channel (and its HTTP server) logged. */
  readonly logLines: string[];
  stop(): Promise<void>;
}

const lacking = (c: unknown): c is Lacks => typeof c === 'object' && c !== null && 'lacks' in c;
const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The shared wording as a person sees it: the adapters remove markup, so strong text is the text itself. */
const VISIBLE: TextStyle = { escape: (t) => t, strong: (t) => t };
const AT = '\u0000';

/** Whether `text` holds `parts` in order. */
function inOrder(text: string, parts: string[]): boolean {
  let from = 0;
  for (const part of parts) {
    const at = text.indexOf(part, from);
    if (at < 0) return false;
    from = at + part.length;
  }
  return true;
}

/**
 * The outcome in the shared wording (src/domain/outcome-text.ts), around whatever time the channel
 * shows: as a message's status line ("Expired · 14:02 — Reject applied") or as a sentence ("This
 * request has expired. Reject was applied.").
 */
function expectOutcomeShown(shown: Shown, request: Request, outcome: Outcome): void {
  const line = outcomeLine(request, outcome, VISIBLE, AT).split(AT).map(norm).filter(Boolean);
  const sentence = norm(outcomeSentence(request, VISIBLE));
  const text = norm(shown.text);
  expect(inOrder(text, line) || text.includes(sentence), `"${line.join(' … ')}" or "${sentence}" in what the platform shows:\n${text}`).toBe(true);
}

const OTHER_CHANNEL: Responder = { channel: 'telegram', id: '42', name: 'Ana' };
const API_CLIENT: Responder = { channel: 'api', id: 'ci', name: 'CI' };

/** The largest requests the API admits, near every limit in src/domain/limits.ts: a choice of ten, and an approval. */
function largest(): Partial<Request>[] {
  const words = (n: number, seed: string) => Array.from({ length: n }, (_, i) => `${seed}${i}`).join(' ');
  const ask = {
    title: words(40, 'title').slice(0, 200),
    body: words(1200, 'body').slice(0, 8000),
    context: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`key${i}`, words(120, `v${i}x`).slice(0, 900)])),
  };
  const options = Array.from({ length: 10 }, (_, i) => ({ value: `value${i}`.padEnd(100, 'x'), label: `Option ${i} `.padEnd(75, 'y') }));
  return [{ type: 'choice', options, ...ask }, { type: 'approval', ...ask }];
}

export function describeChannelContract(name: string, adapter: ChannelAdapter): void {
  describe(`${name}: the channel contract`, () => {
    let c: ChannelUnderTest;
    beforeAll(async () => {
      c = await adapter.start();
    });
    afterAll(async () => c?.stop());

    const pending = async (over: Partial<Request> = {}) => {
      const request = c.hub.add(c.request(over));
      return { request, ref: await c.deliver(request) };
    };
    const current = (id: string) => c.hub.requests.get(id)!;
    const approverOnly = (persona: Persona) => {
      const id = c.identity(persona);
      return [`${id.channel}:${id.id}`];
    };

    describe('deliver', () => {
      it('renders the title, body, context and options', async () => {
        const asks: Partial<Request>[] = [
          { title: 'Deploy v2.3 to production?', body: 'Changes: **payments** retry fix', context: { service: 'payments-api', risk: 'high' } },
          { type: 'choice', title: 'Which region?', options: [{ value: 'eu', label: 'Europe' }, { value: 'us', label: 'United States' }, { value: 'ap', label: 'Asia' }] },
          { type: 'choice', title: 'Which build?', options: Array.from({ length: 8 }, (_, i) => ({ value: `b${i}`, label: `Build ${i}` })) },
          { type: 'text', title: 'What should the release notes say?', options: [] },
        ];
        for (const ask of asks) {
          const { request, ref } = await pending(ask);
          const shown = await c.show(ref);
          const text = norm(shown.text);
          expect(text).toContain(request.title);
          if (request.body) expect(text).toContain('payments');
          if (request.body) expect(text).toContain('retry fix');
          for (const [k, v] of Object.entries(request.context)) expect(text).toContain(`${k} ${String(v)}`);
          expect(shown.options).toEqual(request.options.map((o) => o.label));
          expect(shown.actions).toBe(true);
        }
      });

      const limits = adapter.limits;
      if (lacking(limits)) {
        it(`shows the largest requests whole (no platform limits: ${limits.lacks})`, async () => {
          for (const ask of largest()) {
            const { request, ref } = await pending(ask);
            const shown = await c.show(ref);
            const text = norm(shown.text);
            expect(text).toContain(norm(request.title));
            expect(text).toContain(norm(request.body!));
            for (const [k, v] of Object.entries(request.context)) expect(text).toContain(`${k} ${norm(String(v))}`);
            expect(shown.options).toEqual(request.options.map((o) => o.label));
          }
        });
      } else {
        it(`keeps the largest requests within the platform's limits (${Object.keys(limits).join(', ')})`, async () => {
          const sizes: Record<string, number> = {};
          for (const ask of largest()) {
            const { request, ref } = await pending(ask);
            const shown = await c.show(ref);
            expect(norm(shown.text)).toContain(norm(request.title));
            expect(shown.options).toHaveLength(request.options.length);
            for (const [limit, size] of Object.entries(shown.sizes)) sizes[limit] = Math.max(sizes[limit] ?? 0, size);
          }
          for (const [limit, max] of Object.entries(limits)) {
            expect(sizes[limit], `${limit} was measured`).toBeGreaterThan(0);
            expect(sizes[limit], limit).toBeLessThanOrEqual(max);
          }
        });
      }
    });

    describe('answers', () => {
      it('a valid answer resolves the request through the hub, as the person who gave it', async () => {
        const { request, ref } = await pending();
        await c.answer(ref, request, 'ana', { option: 1 });
        await waitFor(() => current(request.id).state === 'resolved', 5000, 'the request resolved');
        expect(current(request.id).response).toMatchObject({ value: request.options[1]!.value, responder: c.identity('ana') });
        await waitFor(async () => !(await c.show(ref)).actions, 5000, 'the message without its buttons');
      });

      it('a text answer resolves a text request', async () => {
        const { request, ref } = await pending({ type: 'text', options: [] });
        await c.answer(ref, request, 'ben', { text: 'use the blue one' });
        await waitFor(() => current(request.id).state === 'resolved', 5000, 'the request resolved');
        expect(current(request.id).response).toMatchObject({ value: 'use the blue one', responder: c.identity('ben') });
      });

      const refusedWithNothingWritten = async (how: Forgery) => {
        const { request, ref } = await pending();
        const before = await c.show(ref);
        const told = c.told('ana').length;
        const reply = await c.answerForged(ref, request, 'ana', { option: 0 }, how);
        expect(reply.status).toBeGreaterThanOrEqual(400);
        expect(reply.status).toBeLessThan(500);
        for (const secret of c.secrets()) expect(reply.text).not.toContain(secret);
        expect(c.hub.answersTo(request.id)).toEqual([]);
        expect(current(request.id)).toMatchObject({ state: 'pending', response: null, votes: [] });
        expect(await c.show(ref)).toEqual(before);
        expect(c.told('ana')).toHaveLength(told);
      };
      const signature = adapter.signature;
      const proof = lacking(signature) ? `a capability token (no platform signature: ${signature.lacks})` : 'a signature';
      it(`${proof} that does not verify is refused, with nothing written`, () => refusedWithNothingWritten('tampered'));
      it(`${proof} made with another secret is refused, with nothing written`, () => refusedWithNothingWritten('foreign'));

      const redelivery = adapter.redelivery;
      if (lacking(redelivery)) {
        it(`the same answer sent twice records one answer, and the second sender is told (no platform redelivery: ${redelivery.lacks})`, async () => {
          const { request, ref } = await pending();
          const told = c.told('ana').length;
          await c.answerTwice(ref, request, 'ana', { option: 0 });
          await waitFor(() => current(request.id).state === 'resolved', 5000, 'the request resolved');
          const closed = current(request.id);
          expect(closed.response).toMatchObject({ value: request.options[0]!.value, responder: c.identity('ana') });
          const reply = answerReplyText({ status: 'closed', request: closed }, VISIBLE);
          await waitFor(() => c.told('ana').slice(told).includes(reply), 5000, `"${reply}"`);
        });
      } else {
        it('a duplicate delivery of an answer by the platform records one answer', async () => {
          const { request, ref } = await pending();
          await c.answerTwice(ref, request, 'ana', { option: 0 });
          await waitFor(() => current(request.id).state === 'resolved', 5000, 'the request resolved');
          expect(c.hub.answersTo(request.id)).toHaveLength(1);
          expect(current(request.id).response).toMatchObject({ value: request.options[0]!.value, responder: c.identity('ana') });
        });
      }

      it('a non-approver is told privately, and nothing changes', async () => {
        const { request, ref } = await pending({ approvers: approverOnly('ana') });
        const before = await c.show(ref);
        const told = c.told('eve').length;
        await c.answer(ref, request, 'eve', { option: 0 });
        const decision = decide(request, { requestId: request.id, value: request.options[0]!.value, responder: c.identity('eve') });
        expect(decision.kind).toBe('forbidden');
        const reply = answerReplyText({ status: 'forbidden', request, reason: 'reason' in decision ? decision.reason : undefined }, VISIBLE);
        await waitFor(() => c.told('eve').slice(told).includes(reply), 5000, `"${reply}"`);
        expect(current(request.id)).toMatchObject({ state: 'pending', response: null, votes: [] });
        expect(await c.show(ref)).toEqual(before);
      });

      it('a late answer is told privately who decided, and nothing changes', async () => {
        const { request, ref } = await pending();
        const { request: closed } = c.hub.resolve(request.id, { responder: API_CLIENT, value: request.options[0]!.value });
        const told = c.told('ben').length;
        await c.answer(ref, request, 'ben', { option: 1 });
        const reply = answerReplyText({ status: 'closed', request: closed }, VISIBLE);
        await waitFor(() => c.told('ben').slice(told).includes(reply), 5000, `"${reply}"`);
        expect(current(request.id)).toMatchObject({ state: 'resolved', response: closed.response });
      });
    });

    describe('settle', () => {
      const endings: [string, Partial<Request>, (hub: MemoryHub, r: Request) => Closed][] = [
        ['resolved elsewhere', {}, (hub, r) => hub.resolve(r.id, { responder: OTHER_CHANNEL, value: r.options[1]!.value })],
        ['expired with a default', { timeout_seconds: 60, on_timeout: { value: 'reject' } }, (hub, r) => hub.expire(r.id)],
        ['expired without a default', { timeout_seconds: 60 }, (hub, r) => hub.expire(r.id)],
        ['cancelled', {}, (hub, r) => hub.cancel(r.id)],
      ];
      // An inline channel's message reads the request live, and the hub never calls its settle().
      const how = (channel: Channel) => (channel.inline ? 'once the hub closes it (inline: settle is not called)' : 'on settle');
      for (const [ending, over, close] of endings) {
        it(`${ending}: the message shows the outcome, without buttons`, async () => {
          const { request, ref } = await pending(over);
          const { request: closed, outcome } = close(c.hub, request);
          if (!c.channel.inline) await c.channel.settle(closed, ref, outcome);
          const shown = await c.show(ref);
          expect(shown.actions, how(c.channel)).toBe(false);
          expectOutcomeShown(shown, closed, outcome);
        });
      }
    });

    describe('platform failures', () => {
      const rateLimits = adapter.rateLimits;
      if (lacking(rateLimits)) {
        it(`a burst of deliveries all go out at once (no platform rate limits: ${rateLimits.lacks})`, async () => {
          const requests = Array.from({ length: 20 }, () => c.hub.add(c.request()));
          const refs = await Promise.all(requests.map((r) => c.deliver(r)));
          for (const ref of refs) expect((await c.show(ref)).actions).toBe(true);
        });
      } else {
        it('a 429 with retry-after is waited out', async () => {
          const retryAfterMs = 1000;
          c.rateLimitNext!(retryAfterMs / 1000);
          const request = c.hub.add(c.request());
          const started = Date.now();
          const first = await c.deliver(request).then(
            (ref) => ({ ref }),
            (err: unknown) => ({ err }),
          );
          let ref: MessageRef;
          if ('err' in first) {
            // The job runner's part: it retries after the wait the channel asked for.
            expect(first.err).toBeInstanceOf(ChannelError);
            const err = first.err as ChannelError;
            expect(err).toMatchObject({ kind: 'rate_limited', retryable: true });
            expect(err.retryAfterMs).toBeGreaterThanOrEqual(retryAfterMs);
            await new Promise((r) => setTimeout(r, err.retryAfterMs));
            ref = await c.deliver(request);
          } else {
            expect(Date.now() - started).toBeGreaterThanOrEqual(retryAfterMs);
            ref = first.ref;
          }
          expect((await c.show(ref)).actions).toBe(true);
        });
      }

      const credentials = adapter.credentials;
      if (lacking(credentials)) {
        it(`deliver needs no credential, and a link from elsewhere decides nothing (no platform credentials: ${credentials.lacks})`, async () => {
          const { request, ref } = await pending();
          expect((await c.show(ref)).text).toContain(request.title);
          const reply = await c.answerForged(ref, request, 'ana', { option: 0 }, 'foreign');
          expect(reply.status).toBeGreaterThanOrEqual(400);
          expect(c.hub.answersTo(request.id)).toEqual([]);
        });
      } else {
        it('an auth error is a permanent failure with a clear message that holds no secret', async () => {
          c.failAuthNext!();
          const request = c.hub.add(c.request());
          const err = await c.deliver(request).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(err).toBeInstanceOf(ChannelError);
          expect(err).toMatchObject({ kind: 'auth', retryable: false });
          const message = (err as ChannelError).message;
          expect(message).toContain(adapter.platform);
          expect(message).toMatch(c.authError!);
          for (const secret of c.secrets()) expect(message).not.toContain(secret);
        });
      }
    });

    // Last, so it reads everything the tests above made the channel log.
    it('never logs a secret', () => {
      expect(c.logLines.length).toBeGreaterThan(0);
      const log = c.logLines.join('\n');
      for (const secret of c.secrets()) expect(log).not.toContain(secret);
    });
  });
}
