// The Slack channel under the contract: the real Bolt app and WebClient against the fake Slack API
// (test/fakes/slack.ts), clicks and modal submissions signed as Slack signs them.
import pino from 'pino';
import { ACTION, optionValue } from '../../channels/slack/codec.js';
import { slack } from '../../channels/slack/index.js';
import type { MessageRef, Request, Responder } from '../../src/domain/types.js';
import { MemoryHub } from '../fakes/memory-hub.js';
import { FakeSlack, type FakeMessage } from '../fakes/slack.js';
import { blockActions, formBody, postPayload, postRaw, slackSignature, viewSubmission } from '../fakes/slack-payloads.js';
import { makeRequest } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/services.js';
import { type ChannelUnderTest, describeChannelContract, type Persona, type Reply, type Shown } from './contract.js';
import { startPlugin } from './start.js';

const SIGNING_SECRET = 'contract-signing-secret-0123456789';
/** Conversations to deliver to in turn: Slack paces chat.postMessage at about one a second per conversation. */
const CONVERSATIONS = Array.from({ length: 8 }, (_, i) => `C0CONTRACT${i}`);
/** The fake's users (test/fakes/slack.ts); the name is what users.info gives the channel. */
const USERS: Record<Persona, Responder> = {
  ana: { channel: 'slack', id: 'U0ANA', name: 'Ana' },
  ben: { channel: 'slack', id: 'U0BEN', name: 'Ben' },
  eve: { channel: 'slack', id: 'U0EVE', name: 'Eve Outsider' },
};

/** Slack's documented limits (api.slack.com/reference/block-kit), independent of the renderer's own table. */
const SLACK_LIMITS = {
  blocks: 50,
  'section text': 3000,
  'field text': 2000,
  'button text': 75,
  'button value': 2000,
  'select option text': 75,
  'select option value': 150,
};

/** mrkdwn as a person reads it: dates in their fallback text, no bold markers, entities decoded. */
function visible(mrkdwn: string): string {
  return mrkdwn
    .replace(/<!date\^[^|>]*\|([^>]*)>/g, '$1')
    .replace(/<(?:https?|mailto):[^|>]*\|([^>]*)>/g, '$1')
    .replace(/\*/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The parts of Block Kit that show text or take a click. */
interface Block {
  type: string;
  text?: { text?: string };
  fields?: { text: string }[];
  elements?: Element[];
}
interface Element {
  type: string;
  action_id?: string;
  value?: string;
  /** A plain_text object on buttons; the text itself on a context block's mrkdwn elements. */
  text?: { text: string } | string;
  options?: { text: { text: string }; value: string }[];
}
const blocksOf = (msg: FakeMessage) => msg.blocks as Block[];
const textOf = (e: Element) => (typeof e.text === 'string' ? e.text : (e.text?.text ?? ''));

function show(msg: FakeMessage): Shown {
  const text: string[] = [];
  const options: string[] = [];
  const sizes: Record<string, number> = { blocks: msg.blocks.length };
  const measure = (limit: string, s: string | undefined) => {
    sizes[limit] = Math.max(sizes[limit] ?? 0, (s ?? '').length);
  };
  let actions = false;
  for (const block of blocksOf(msg)) {
    if (block.text?.text) text.push(block.text.text);
    if (block.type === 'section') measure('section text', block.text?.text);
    for (const field of block.fields ?? []) {
      text.push(field.text);
      measure('field text', field.text);
    }
    if (block.type === 'context') for (const e of block.elements ?? []) text.push(textOf(e));
    if (block.type !== 'actions') continue;
    actions = true;
    for (const e of block.elements ?? []) {
      if (e.type === 'button') {
        measure('button text', textOf(e));
        measure('button value', e.value);
        if (e.action_id?.startsWith(ACTION.optionPrefix)) options.push(textOf(e));
      }
      if (e.type === 'static_select') {
        for (const o of e.options ?? []) {
          measure('select option text', o.text.text);
          measure('select option value', o.value);
          options.push(o.text.text);
        }
      }
    }
  }
  return { text: visible(text.join('\n')), actions, options, sizes };
}

async function start(): Promise<ChannelUnderTest> {
  const fake = new FakeSlack();
  CONVERSATIONS.forEach((id, i) => fake.addChannel(id, `contract-${i}`));
  await fake.start();
  const hub = new MemoryHub();
  const logLines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
  const env = { SLACK_BOT_TOKEN: fake.token, SLACK_API_URL: fake.url, SLACK_SIGNING_SECRET: SIGNING_SECRET };
  const started = await startPlugin(slack, { env, hub, log });
  const events = `${started.base}/slack/events`;

  /** Each request's conversation: a redelivery (after a 429) goes where the first try went. */
  const conversation = new Map<string, string>();
  const conversationFor = (request: Request) => {
    if (!conversation.has(request.id)) conversation.set(request.id, CONVERSATIONS[conversation.size % CONVERSATIONS.length]!);
    return conversation.get(request.id)!;
  };
  const where = (ref: MessageRef) => ({ channel: String(ref.channel), ts: String(ref.ts) });
  const message = (ref: MessageRef) => {
    const msg = fake.message(where(ref).channel, where(ref).ts);
    if (!msg) throw new Error(`no Slack message ${JSON.stringify(ref)}`);
    return msg;
  };
  /** The click that picks option `index`: its button, or the static select when there are many options. */
  const optionClick = (ref: MessageRef, request: Request, user: string, index: number) => {
    const button = `${ACTION.optionPrefix}${index}`;
    const hasButton = blocksOf(message(ref)).some((b) => (b.elements ?? []).some((e) => e.action_id === button));
    return hasButton
      ? blockActions(fake, { ...where(ref), user, actionId: button })
      : blockActions(fake, { ...where(ref), user, actionId: ACTION.select, selectValue: optionValue(request.id, index) });
  };
  const acked = async (sent: Promise<{ status: number; text: string }>) => {
    const res = await sent;
    if (res.status !== 200) throw new Error(`Slack's request was answered ${res.status}: ${res.text}`);
  };

  return {
    hub,
    channel: started.channel,
    logLines,
    identity: (persona) => USERS[persona],
    request: (over) => makeRequest({ recipients: [{ channel: 'slack', to: CONVERSATIONS[0] }], created_at: new Date().toISOString(), ...over }),
    async deliver(request) {
      const to = conversationFor(request);
      const ref = await started.channel.deliver(request, to, 0);
      hub.delivered(request.id, to, ref);
      return ref;
    },
    show: (ref) => Promise.resolve(show(message(ref))),
    async answer(ref, request, persona, reply: Reply) {
      const user = USERS[persona].id;
      if ('option' in reply) return acked(postPayload(events, optionClick(ref, request, user, reply.option), { secret: SIGNING_SECRET }));
      await acked(postPayload(events, blockActions(fake, { ...where(ref), user, actionId: ACTION.answer }), { secret: SIGNING_SECRET }));
      const view = await waitFor(
        () => [...fake.views.values()].find((v) => v.user === user && (JSON.parse(v.view.private_metadata) as { r?: string }).r === request.id),
        5000,
        'the answer modal',
      );
      await acked(postPayload(events, viewSubmission(fake, view.id, { 'sb:text': reply.text }), { secret: SIGNING_SECRET }));
    },
    async answerForged(ref, request, persona, reply, how) {
      if (!('option' in reply)) throw new Error('forged answers are clicks');
      const user = USERS[persona].id;
      const body = formBody(optionClick(ref, request, user, reply.option));
      if (how === 'foreign') return postRaw(events, body, { secret: 'another-apps-signing-secret' });
      // Signed as sent, then changed on the way: the clicker swapped for someone else.
      const other = user === USERS.ben.id ? USERS.ana.id : USERS.ben.id;
      const timestamp = Math.floor(Date.now() / 1000);
      return postRaw(events, body.replaceAll(user, other), { secret: SIGNING_SECRET, timestamp, signature: slackSignature(SIGNING_SECRET, timestamp, body) });
    },
    async answerTwice(ref, request, persona, reply) {
      if (!('option' in reply)) throw new Error('repeated answers are clicks');
      const payload = optionClick(ref, request, USERS[persona].id, reply.option);
      const logged = logLines.length;
      await acked(postPayload(events, payload, { secret: SIGNING_SECRET }));
      // Slack's retry of an interaction it thinks went unanswered: the same payload, X-Slack-Retry-Num set.
      await acked(postPayload(events, payload, { secret: SIGNING_SECRET, retryNum: 1 }));
      // The channel says when it drops a repeat; waiting for that (not for a while) makes "one answer" mean something.
      const dropped = (line: string) => (JSON.parse(line) as { msg?: string }).msg === 'slack: ignored a repeated delivery';
      await waitFor(() => logLines.slice(logged).some(dropped), 5000, 'the retry dropped');
    },
    told: (persona) => fake.ephemerals.filter((e) => e.user === USERS[persona].id).map((e) => visible(e.text)),
    rateLimitNext: (seconds) => fake.rateLimit('chat.postMessage', 1, seconds),
    failAuthNext: () => fake.failNext('chat.postMessage', 'invalid_auth'),
    authError: /invalid_auth/,
    secrets: () => [fake.token, SIGNING_SECRET],
    async stop() {
      await started.stop();
      await fake.stop();
    },
  };
}

describeChannelContract('slack', {
  platform: 'Slack',
  limits: SLACK_LIMITS,
  signature: true,
  redelivery: true,
  rateLimits: true,
  credentials: true,
  start,
});
