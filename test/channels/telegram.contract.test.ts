// The Telegram channel under the contract: the real channel and grammy against the fake Bot API
// (test/fakes/telegram.ts) in webhook mode, taps and replies built as Telegram builds them and POSTed
// to the hub with the secret header, as Telegram posts them.
import pino from 'pino';
import { parseTap } from '../../channels/telegram/codec.js';
import { telegram } from '../../channels/telegram/index.js';
import type { MessageRef, Request, Responder } from '../../src/domain/types.js';
import { MemoryHub } from '../fakes/memory-hub.js';
import { type Delivery, FakeTelegram, type FakeMessage, type InlineButton, type TgUser } from '../fakes/telegram.js';
import { makeRequest } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/services.js';
import { type ChannelUnderTest, describeChannelContract, type Persona, type Reply, type Shown } from './contract.js';
import { startPlugin } from './start.js';

const WEBHOOK_SECRET = 'contract-webhook-secret_0123456789';
/**
 * Groups to deliver to in turn: Telegram allows about 20 messages a minute in one group, and the channel
 * paces to that, so each request gets a group of its own (a redelivery goes where the first try went).
 */
const GROUPS = Array.from({ length: 24 }, (_, i) => -1002000000000 - i);

/** Telegram's documented limits (core.telegram.org/bots/api#sendmessage, #inlinekeyboardbutton), independent of the renderer's. */
const TELEGRAM_LIMITS = {
  'message text': 4096,
  'callback_data bytes': 64,
};

const buttonsOf = (msg: FakeMessage): InlineButton[] => (msg.message.reply_markup?.inline_keyboard ?? []).flat();
const optionButtons = (msg: FakeMessage) => buttonsOf(msg).filter((b) => parseTap(b.callback_data)?.kind === 'option');

/** What a person sees: the text after Telegram parsed the HTML (entities are formatting only), and the buttons. */
function show(msg: FakeMessage): Shown {
  const buttons = buttonsOf(msg);
  const callbackBytes = buttons.map((b) => (b.callback_data === undefined ? 0 : Buffer.byteLength(b.callback_data)));
  return {
    text: msg.message.text ?? '',
    actions: buttons.length > 0,
    options: optionButtons(msg).map((b) => b.text),
    sizes: { 'message text': [...(msg.message.text ?? '')].length, 'callback_data bytes': Math.max(0, ...callbackBytes) },
  };
}

async function start(): Promise<ChannelUnderTest> {
  const fake = new FakeTelegram();
  GROUPS.forEach((id, i) => fake.addChat({ id, type: 'supergroup', title: `Contract ${i}` }));
  await fake.start();
  const persons: Record<Persona, TgUser> = fake.users;
  const hub = new MemoryHub();
  const logLines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
  const env = {
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_API_ROOT: fake.url,
    TELEGRAM_MODE: 'webhook',
    TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
    PUBLIC_URL: 'https://hub.example.com',
  };
  const started = await startPlugin(telegram, { env, hub, log });
  // What `switchboard telegram set-webhook` registers; the hub listens on loopback, where the fake posts.
  const webhookUrl = `${started.base}/telegram/webhook`;
  await fetch(`${fake.url}/bot${fake.token}/setWebhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url: webhookUrl, secret_token: WEBHOOK_SECRET, allowed_updates: ['message', 'callback_query'] }),
  });

  const groupOf = new Map<string, number>();
  const groupFor = (request: Request) => {
    if (!groupOf.has(request.id)) groupOf.set(request.id, GROUPS[groupOf.size % GROUPS.length]!);
    return groupOf.get(request.id)!;
  };
  const message = (ref: MessageRef) => {
    const msg = fake.message(Number(ref.chat_id), Number(ref.message_id));
    if (!msg) throw new Error(`no Telegram message ${JSON.stringify(ref)}`);
    return msg;
  };
  /** Which persona tapped which query: what they were told privately is the answer to their taps. */
  const tapper = new Map<string, Persona>();
  const tap = (msg: FakeMessage, persona: Persona, button: InlineButton) => {
    const update = fake.callbackQuery({ message: msg, from: persons[persona], data: button.callback_data! });
    tapper.set(update.callback_query!.id, persona);
    return update;
  };
  const taken = (delivery: Delivery) => {
    if (delivery.via !== 'webhook' || delivery.status !== 200) throw new Error(`the hub did not take the update: ${JSON.stringify(delivery)}`);
  };
  const optionButton = (ref: MessageRef, index: number) => {
    const button = optionButtons(message(ref))[index];
    if (!button) throw new Error(`no option ${index} on ${JSON.stringify(ref)}`);
    return button;
  };

  return {
    hub,
    channel: started.channel,
    logLines,
    identity: (persona): Responder => {
      const u = persons[persona];
      return { channel: 'telegram', id: String(u.id), name: u.username ?? u.first_name };
    },
    request: (over) => makeRequest({ recipients: [{ channel: 'telegram', to: String(GROUPS[0]) }], created_at: new Date().toISOString(), ...over }),
    async deliver(request) {
      const to = String(groupFor(request));
      const ref = await started.channel.deliver(request, to, 0);
      hub.delivered(request.id, to, ref, 'telegram');
      return ref;
    },
    show: (ref) => Promise.resolve(show(message(ref))),
    async answer(ref, request, persona, reply: Reply) {
      if ('option' in reply) return taken(await fake.send(tap(message(ref), persona, optionButton(ref, reply.option))));
      // A written answer: tap Answer, then reply to the ForceReply prompt the bot sends.
      const msg = message(ref);
      const answerButton = buttonsOf(msg).find((b) => parseTap(b.callback_data)?.kind === 'answer');
      if (!answerButton) throw new Error(`no Answer button on ${JSON.stringify(ref)}`);
      const before = new Set(fake.messagesIn(msg.chatId).map((m) => m.messageId));
      taken(await fake.send(tap(msg, persona, answerButton)));
      const prompt = await waitFor(
        () => fake.messagesIn(msg.chatId).find((m) => !before.has(m.messageId) && m.forceReply && m.message.text?.includes(request.id)),
        5000,
        'the answer prompt',
      );
      taken((await fake.answerWith({ to: prompt, from: persons[persona], text: reply.text })).delivery);
    },
    async answerForged(ref, _request, persona, reply, how) {
      if (!('option' in reply)) throw new Error('forged answers are taps');
      const update = tap(message(ref), persona, optionButton(ref, reply.option));
      // Tampered: the right secret altered on the way; foreign: the secret of another bot's webhook.
      const secret = how === 'tampered' ? `${WEBHOOK_SECRET.slice(0, -1)}X` : 'another-bots-webhook-secret';
      const res = await fake.forgeWebhookPost(update, secret);
      return { status: res.status, text: res.body };
    },
    async answerTwice(ref, _request, persona, reply) {
      if (!('option' in reply)) throw new Error('repeated answers are taps');
      const update = tap(message(ref), persona, optionButton(ref, reply.option));
      const logged = logLines.length;
      taken(await fake.send(update));
      // Telegram re-sends an update it thinks went unanswered: the same update_id.
      taken(await fake.redeliver(update));
      const dropped = (line: string) => (JSON.parse(line) as { msg?: string }).msg === 'telegram: ignored a repeated update';
      await waitFor(() => logLines.slice(logged).some(dropped), 5000, 'the repeat dropped');
    },
    told: (persona) => fake.answers.filter((a) => tapper.get(a.queryId) === persona && a.text !== undefined).map((a) => a.text!),
    rateLimitNext: (seconds) => fake.rateLimit('sendMessage', 1, seconds),
    failAuthNext: () => fake.failAuth(1),
    authError: /401 Unauthorized/,
    secrets: () => [fake.token, WEBHOOK_SECRET],
    async stop() {
      await started.stop();
      await fake.stop();
    },
  };
}

describeChannelContract('telegram', {
  platform: 'Telegram',
  limits: TELEGRAM_LIMITS,
  signature: true,
  redelivery: true,
  rateLimits: true,
  credentials: true,
  start,
});
