// POST /discord/interactions: Discord's outgoing webhook. Every call is verified (signature.ts) before
// anything is read or written; PING gets PONG. A click or a modal submission is answered in the HTTP
// response within Discord's 3 s: the winning click with UPDATE_MESSAGE (the outcome, no components),
// anything refused with an ephemeral message saying why. When the hub is slower than ANSWER_WITHIN_MS
// the interaction is deferred (DEFERRED_UPDATE_MESSAGE) and the answer follows through the webhook.
import { InteractionResponseType, InteractionType } from 'discord-api-types/v10';
import type { Logger } from 'pino';
import type { HttpRoutes } from '../channel.js';
import { AckDeadline } from '../kit/ack.js';
import type { DuplicateGuard } from '../kit/duplicate-guard.js';
import { problem } from '../kit/problem.js';
import { header, rawPost } from '../kit/raw-route.js';
import type { DiscordApi } from './client.js';
import { type Interaction, NOTICE, onInteraction, type Reply, type Respond } from './respond.js';
import { ephemeral } from './render.js';
import { publicKeyFromHex, verifyInteraction } from './signature.js';

export const DISCORD_INTERACTIONS_PATH = '/discord/interactions';
/** Discord waits 3 s for the first answer; this leaves room for the network. */
export const ANSWER_WITHIN_MS = 2500;
/** An interaction token is valid for 15 minutes: no repeat can come later. */
export const INTERACTION_SEEN_FOR_MS = 15 * 60 * 1000;

function parse(raw: Buffer): Interaction | undefined {
  try {
    const i = JSON.parse(raw.toString('utf8')) as Partial<Interaction> | null;
    if (!i || typeof i !== 'object' || typeof i.id !== 'string' || typeof i.type !== 'number' || typeof i.token !== 'string') return undefined;
    return i as Interaction;
  } catch {
    return undefined;
  }
}

export class Interactions {
  private readonly deadline = new AckDeadline(ANSWER_WITHIN_MS);

  constructor(
    private readonly o: { publicKeyHex: string; api: DiscordApi; log: Logger; respond: Respond; duplicates: DuplicateGuard },
  ) {}

  async mount(http: HttpRoutes): Promise<void> {
    const key = publicKeyFromHex(this.o.publicKeyHex);
    await rawPost(http, DISCORD_INTERACTIONS_PATH, async (req, reply, raw) => {
      const verdict = verifyInteraction(key, { signature: header(req, 'x-signature-ed25519'), timestamp: header(req, 'x-signature-timestamp') }, raw);
      if (!verdict.ok) {
        this.o.log.warn({ reason: verdict.reason }, 'discord: refused an interaction that is not signed by Discord');
        return problem(reply, 401, verdict.reason);
      }
      const interaction = parse(raw);
      if (!interaction) return problem(reply, 400, 'not a Discord interaction');
      if (interaction.type === InteractionType.Ping) return reply.code(200).send({ type: InteractionResponseType.Pong });
      const sent = new Promise<void>((resolve) => reply.raw.once('finish', () => resolve()));
      return reply.code(200).send(await this.answer(interaction, sent));
    });
  }

  /** The HTTP answer to one interaction; what is not known by the deadline is deferred and followed up once `sent` (the deferral) is out. */
  async answer(interaction: Interaction, sent: Promise<void>): Promise<Reply> {
    if (await this.o.duplicates.isRepeat(`interaction:${interaction.id}`)) {
      this.o.log.info({ interactionId: interaction.id }, 'discord: ignored a repeated interaction');
      return { type: InteractionResponseType.DeferredMessageUpdate };
    }
    let deferred = false;
    let late: Reply | undefined;
    const outcome = await this.deadline.run<Reply>(async (ack) => {
      const r = await this.logged(() => onInteraction(this.o.respond, interaction));
      if (deferred) await this.followUp(interaction, r, sent);
      else {
        late = r;
        ack(r);
      }
    });
    if (outcome.kind === 'acked') return outcome.response;
    if (outcome.kind === 'failed') return { type: InteractionResponseType.ChannelMessageWithSource, data: ephemeral(NOTICE.failed) };
    deferred = true;
    // The work may have finished between the deadline and now: its answer then goes as the follow-up.
    if (late) void this.followUp(interaction, late, sent);
    this.o.log.info({ interactionId: interaction.id }, 'discord: deferred an interaction; the answer follows');
    return { type: InteractionResponseType.DeferredMessageUpdate };
  }

  /** After a deferral: an update edits the clicked message, anything else is an ephemeral follow-up. */
  private async followUp(interaction: Interaction, r: Reply, sent: Promise<void>): Promise<void> {
    await sent;
    try {
      if (r.type === InteractionResponseType.UpdateMessage) await this.o.api.editOriginal(interaction.token, r.data);
      else if (r.type === InteractionResponseType.ChannelMessageWithSource) await this.o.api.followUp(interaction.token, r.data);
      // A modal can only be the first answer: too late for it now.
      else if (r.type === InteractionResponseType.Modal) await this.o.api.followUp(interaction.token, ephemeral(NOTICE.slow));
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message }, 'discord: could not follow up a deferred interaction');
    }
  }

  private async logged(work: () => Promise<Reply>): Promise<Reply> {
    try {
      return await work();
    } catch (err) {
      this.o.log.error({ err: (err as Error).message }, 'discord: could not handle an interaction');
      throw err;
    }
  }

  drain(maxMs?: number): Promise<void> {
    return this.deadline.drain(maxMs);
  }
}
