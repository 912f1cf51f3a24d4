// The Discord channel under the contract: the real channel and @discordjs/rest against the fake REST API
// (test/fakes/discord.ts); clicks and modal submissions built as Discord builds them, signed with the
// application's Ed25519 key and POSTed to the hub's /discord/interactions, whose HTTP answer the fake
// takes as the interaction's callback, as Discord does.
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { parseAction } from '../../channels/discord/codec.js';
import { discord } from '../../channels/discord/index.js';
import type { MessageRef, Responder } from '../../src/domain/types.js';
import { MemoryHub } from '../fakes/memory-hub.js';
import { DiscordSigner, type DiscordPerson, FakeDiscord, type FakeDiscordMessage, postInteraction, visibleText } from '../fakes/discord.js';
import { makeRequest } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/services.js';
import { type ChannelUnderTest, describeChannelContract, type Persona, type Reply, type Shown } from './contract.js';
import { startPlugin } from './start.js';

/** Discord's documented limits (discord.com/developers/docs: embeds, message components), independent of the renderer's. */
const DISCORD_LIMITS = {
  'embed title': 256,
  'embed description': 4096,
  'embed fields': 25,
  'embed total': 6000,
  'action rows': 5,
  'components per row': 5,
  'button label': 80,
  custom_id: 100,
};

interface Component {
  type: number;
  custom_id?: string;
  label?: string;
  url?: string;
  options?: { label: string; value: string }[];
}
interface Embed {
  title?: string;
  description?: string;
  fields?: { name: string; value: string }[];
  footer?: { text: string };
  author?: { name: string };
}
const rowsOf = (msg: FakeDiscordMessage) => (msg.message.components as { components: Component[] }[] | undefined) ?? [];
const componentsOf = (msg: FakeDiscordMessage) => rowsOf(msg).flatMap((r) => r.components);
const kindOf = (c: Component) => parseAction(c.custom_id)?.kind;

/**
 * Discord Markdown as a person reads it: bold and other markers gone, escapes undone, a user mention as
 * the member's name (Discord prefixes it with an @, left out so the shared wording compares).
 */
function visible(markdown: string, names: Map<string, string>): string {
  return markdown
    .replace(/<@!?(\d+)>/g, (_, id: string) => names.get(id) ?? id)
    .replace(/<t:(\d+)(?::[tTdDfFR])?>/g, (_, s: string) => new Date(Number(s) * 1000).toISOString())
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/(\*\*|__|~~|\|\|)/g, '')
    .replace(/\\([\\*_~`|>#[\]()<@:.-])/g, '$1');
}

function show(msg: FakeDiscordMessage, names: Map<string, string>): Shown {
  const embeds = (msg.message.embeds as Embed[] | undefined) ?? [];
  const length = (s: string | undefined) => [...(s ?? '')].length;
  const components = componentsOf(msg);
  const options: string[] = [];
  for (const c of components) {
    if (c.type === 2 && kindOf(c) === 'option') options.push(c.label ?? '');
    if (c.type === 3 && kindOf(c) === 'select') options.push(...(c.options ?? []).map((o) => o.label));
  }
  const embedTotal = embeds.reduce(
    (n, e) => n + length(e.title) + length(e.description) + length(e.footer?.text) + length(e.author?.name) + (e.fields ?? []).reduce((m, f) => m + length(f.name) + length(f.value), 0),
    0,
  );
  return {
    text: visible(visibleText(msg.message), names),
    actions: components.some((c) => c.type === 3 || (c.type === 2 && c.custom_id !== undefined) || (c.type === 2 && c.url !== undefined)),
    options,
    sizes: {
      'embed title': Math.max(0, ...embeds.map((e) => length(e.title))),
      'embed description': Math.max(0, ...embeds.map((e) => length(e.description))),
      'embed fields': Math.max(0, ...embeds.map((e) => (e.fields ?? []).length)),
      'embed total': embedTotal,
      'action rows': rowsOf(msg).length,
      'components per row': Math.max(0, ...rowsOf(msg).map((r) => r.components.length)),
      'button label': Math.max(0, ...components.filter((c) => c.type === 2).map((c) => length(c.label))),
      custom_id: Math.max(0, ...components.map((c) => length(c.custom_id))),
    },
  };
}

interface Started extends ChannelUnderTest {
  fake: FakeDiscord;
  endpoint: string;
  message(ref: MessageRef): FakeDiscordMessage;
}

async function start(): Promise<Started> {
  const fake = new FakeDiscord();
  await fake.start();
  const persons: Record<Persona, DiscordPerson> = fake.users;
  const names = new Map(Object.values(persons).map((p) => [p.user.id, p.nick ?? p.user.global_name ?? p.user.username]));
  const hub = new MemoryHub();
  const logLines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
  const env = {
    DISCORD_BOT_TOKEN: fake.token,
    DISCORD_PUBLIC_KEY: fake.signer.publicKeyHex,
    DISCORD_APPLICATION_ID: fake.applicationId,
    DISCORD_API_URL: fake.url,
    PUBLIC_URL: 'https://hub.example.com',
  };
  const started = await startPlugin(discord, { env, hub, log });
  const endpoint = `${started.base}/discord/interactions`;

  const message = (ref: MessageRef) => {
    const msg = fake.message(String(ref.channel_id), String(ref.message_id));
    if (!msg) throw new Error(`no Discord message ${JSON.stringify(ref)}`);
    return msg;
  };
  /** The click that picks option `index`: its button, or the select that holds it. */
  const optionClick = (ref: MessageRef, persona: Persona, index: number) => {
    const msg = message(ref);
    const components = componentsOf(msg);
    const button = components.find((c) => c.type === 2 && parseAction(c.custom_id)?.kind === 'option' && (parseAction(c.custom_id) as { index: number }).index === index);
    if (button) return fake.click({ message: msg, person: persons[persona], customId: button.custom_id! });
    const select = components.find((c) => c.type === 3 && (c.options ?? []).some((o) => o.value === String(index)));
    if (!select) throw new Error(`no option ${index} on ${JSON.stringify(ref)}`);
    return fake.click({ message: msg, person: persons[persona], customId: select.custom_id!, values: [String(index)] });
  };
  /** Discord took the answer: the endpoint said 200 with an interaction response Discord accepts. */
  const taken = (res: Awaited<ReturnType<FakeDiscord['send']>>) => {
    if (res.status !== 200 || res.refused) throw new Error(`Discord would show "This interaction failed": ${res.status} ${res.text} ${JSON.stringify(res.refused ?? {})}`);
  };

  return {
    fake,
    endpoint,
    message,
    hub,
    channel: started.channel,
    logLines,
    identity: (persona): Responder => {
      const p = persons[persona];
      return { channel: 'discord', id: p.user.id, name: p.nick ?? p.user.global_name ?? p.user.username };
    },
    request: (over) => makeRequest({ recipients: [{ channel: 'discord', to: fake.channel }], created_at: new Date().toISOString(), ...over }),
    async deliver(request) {
      const ref = await started.channel.deliver(request, fake.channel, 0);
      hub.delivered(request.id, fake.channel, ref, 'discord');
      return ref;
    },
    show: (ref) => Promise.resolve(show(message(ref), names)),
    async answer(ref, request, persona, reply: Reply) {
      if ('option' in reply) return taken(await fake.send(endpoint, optionClick(ref, persona, reply.option)));
      // A written answer: click Answer, then fill in and submit the modal the app opens.
      const answer = componentsOf(message(ref)).find((c) => kindOf(c) === 'answer');
      if (!answer) throw new Error(`no Answer button on ${JSON.stringify(ref)}`);
      const click = fake.click({ message: message(ref), person: persons[persona], customId: answer.custom_id! });
      taken(await fake.send(endpoint, click));
      const modal = await waitFor(() => fake.modals.find((m) => m.interactionId === click.id), 5000, `the answer modal of ${request.id}`);
      taken(await fake.send(endpoint, fake.modalSubmit({ person: persons[persona], modal, values: { [modal.inputs[0]!.customId]: reply.text } })));
    },
    async answerForged(ref, _request, persona, reply, how) {
      if (!('option' in reply)) throw new Error('forged answers are clicks');
      const click = optionClick(ref, persona, reply.option);
      const body = JSON.stringify(click);
      if (how === 'foreign') {
        const res = await postInteraction(endpoint, body, { signer: new DiscordSigner() });
        return { status: res.status, text: res.text };
      }
      // Signed as Discord sent it, then changed on the way: the clicker swapped for someone else.
      const other = persona === 'ben' ? persons.ana : persons.ben;
      const res = await postInteraction(endpoint, body.replaceAll(persons[persona].user.id, other.user.id), { signer: fake.signer, signedBody: body });
      return { status: res.status, text: res.text };
    },
    async answerTwice(ref, _request, persona, reply) {
      if (!('option' in reply)) throw new Error('repeated answers are clicks');
      // Two clicks on the message as it was (a double click, or a second device not yet updated): two
      // interactions, each with its own id and token, each answered in its response.
      const first = optionClick(ref, persona, reply.option);
      const second = optionClick(ref, persona, reply.option);
      taken(await fake.send(endpoint, first));
      taken(await fake.send(endpoint, second));
    },
    told: (persona) => fake.ephemerals.filter((e) => e.userId === persons[persona].user.id).map((e) => visible(e.content, names)),
    rateLimitNext: (seconds) => fake.rateLimit('POST /channels/{id}/messages', 1, seconds),
    failAuthNext: () => fake.failAuth(1),
    authError: /401: Unauthorized/,
    secrets: () => [fake.token, ...fake.interactionTokens()],
    async stop() {
      await started.stop();
      await fake.stop();
    },
  };
}

describeChannelContract('discord', {
  platform: 'Discord',
  limits: DISCORD_LIMITS,
  signature: true,
  redelivery: { lacks: 'Discord never resends an interaction: an unanswered one fails for the person, and every click is a new interaction' },
  rateLimits: true,
  credentials: true,
  start,
});

describe('discord: the interactions endpoint as Discord uses it', () => {
  it('answers PING with PONG; refuses a bad signature and a stale timestamp with 401, writing nothing', async () => {
    const c = await start();
    try {
      const pong = await c.fake.send(c.endpoint, c.fake.ping());
      expect(pong).toMatchObject({ status: 200, json: { type: 1 } });

      const request = c.hub.add(c.request());
      const ref = await c.deliver(request);
      const click = c.fake.click({ message: c.message(ref), person: c.fake.users.ana, label: 'Approve' });
      const badSignature = await c.fake.send(c.endpoint, click, { signature: '00'.repeat(64) });
      const stale = await c.fake.send(c.endpoint, click, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
      const unsigned = await fetch(c.endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(click) });
      expect([badSignature.status, stale.status, unsigned.status]).toEqual([401, 401, 401]);
      expect(c.hub.answersTo(request.id)).toEqual([]);
      expect(c.fake.callbacksOf(click.id)).toEqual([]);
      await c.stop();
    } catch (err) {
      await c.stop();
      throw err;
    }
  });

  it('the winning click is answered with UPDATE_MESSAGE within 3 s: the outcome shown, no components', async () => {
    const c = await start();
    try {
      const request = c.hub.add(c.request());
      const ref = await c.deliver(request);
      const click = c.fake.click({ message: c.message(ref), person: c.fake.users.ben, label: 'Approve' });
      const res = await c.fake.send(c.endpoint, click);
      expect(res.status).toBe(200);
      const [answer] = c.fake.callbacksOf(click.id);
      expect(answer).toMatchObject({ kind: 'http-response', type: 7 });
      expect(answer!.afterMs).toBeLessThan(3000);
      expect(c.message(ref).message.components).toEqual([]);
      expect(c.hub.requests.get(request.id)).toMatchObject({ state: 'resolved', response: { responder: { channel: 'discord', id: c.fake.users.ben.user.id, name: 'Ben Okafor' } } });
      expect((await c.show(ref)).text).toContain('Approved by Ben Okafor via Discord');
      await c.stop();
    } catch (err) {
      await c.stop();
      throw err;
    }
  });

  it('a non-approver gets an ephemeral reply (flags 64) and the message does not change', async () => {
    const c = await start();
    try {
      const request = c.hub.add(c.request({ approvers: [`discord:${c.fake.users.ana.user.id}`] }));
      const ref = await c.deliver(request);
      const before = structuredClone(c.message(ref).message);
      const click = c.fake.click({ message: c.message(ref), person: c.fake.users.eve, label: 'Approve' });
      await c.fake.send(c.endpoint, click);
      const [answer] = c.fake.callbacksOf(click.id);
      expect(answer).toMatchObject({ kind: 'http-response', type: 4, body: { data: { flags: 64 } } });
      expect(c.fake.ephemerals.filter((e) => e.interactionId === click.id)).toHaveLength(1);
      expect(c.message(ref).message).toEqual(before);
      expect(c.hub.requests.get(request.id)!.state).toBe('pending');
      await c.stop();
    } catch (err) {
      await c.stop();
      throw err;
    }
  });

  it('a deleted message or lost access fails the settle with the reason', async () => {
    const c = await start();
    try {
      const deleted = c.hub.add(c.request());
      const deletedRef = await c.deliver(deleted);
      c.fake.deleteMessage(String(deletedRef.channel_id), String(deletedRef.message_id));
      const closed = c.hub.cancel(deleted.id);
      await expect(c.channel.settle(closed.request, deletedRef, closed.outcome)).rejects.toMatchObject({ kind: 'not_found', message: expect.stringMatching(/Unknown Message/) });

      const hidden = c.hub.add(c.request());
      const hiddenRef = await c.deliver(hidden);
      c.fake.revokeAccess(String(hiddenRef.channel_id));
      const gone = c.hub.cancel(hidden.id);
      await expect(c.channel.settle(gone.request, hiddenRef, gone.outcome)).rejects.toMatchObject({ kind: 'not_found', message: expect.stringMatching(/Missing Access/) });
      await c.stop();
    } catch (err) {
      await c.stop();
      throw err;
    }
  });
});
