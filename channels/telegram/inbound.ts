// Every update, from the webhook or the poller, goes through here: an update_id already handled by any
// hub process (a webhook re-sent, a poller taking over before the last batch was confirmed) is dropped;
// a tap is answered (answerCallbackQuery) within a second, with the result when it is known by then;
// the rest of the work goes on in the background.
import type { CallbackQuery, Update } from 'grammy/types';
import { AckDeadline } from '../kit/ack.js';
import type { DuplicateGuard } from '../kit/duplicate-guard.js';
import type { InboundContext } from './inbound-context.js';
import { onMessage } from './replies.js';
import { NOTICE, onTap, type Toast } from './taps.js';

/** Telegram shows a spinner on the button until it is answered: answer within this, whatever is still running. */
export const ANSWER_WITHIN_MS = 800;
/** Telegram keeps an unconfirmed update for up to 24 hours. */
export const UPDATE_SEEN_FOR_MS = 24 * 60 * 60 * 1000;

export class Inbound {
  private readonly deadline = new AckDeadline(ANSWER_WITHIN_MS);

  constructor(
    private readonly ctx: InboundContext,
    private readonly duplicates: DuplicateGuard,
  ) {}

  /** Handles one update; resolves once a tap is answered (or the deadline passed). Never throws. */
  async handle(update: Update): Promise<void> {
    try {
      if (await this.duplicates.isRepeat(`update:${update.update_id}`)) {
        this.ctx.log.info({ updateId: update.update_id }, 'telegram: ignored a repeated update');
        return;
      }
      if (update.callback_query) return await this.tap(update.callback_query);
      const message = update.message;
      if (message) await this.deadline.run(() => this.logged('a message', () => onMessage(this.ctx, message)));
    } catch (err) {
      this.ctx.log.error({ updateId: update.update_id, err: (err as Error).message }, 'telegram: could not handle an update');
    }
  }

  private async tap(q: CallbackQuery): Promise<void> {
    const outcome = await this.deadline.run<Toast>((ack) => this.logged('a tap', () => onTap(this.ctx, q, ack)));
    const toast = outcome.kind === 'acked' ? outcome.response : outcome.kind === 'failed' ? { text: NOTICE.failed, alert: true } : undefined;
    await this.ctx.api.answerCallback(q.id, toast?.text, toast?.alert).catch((err: Error) => {
      this.ctx.log.warn({ err: err.message }, 'telegram: answerCallbackQuery failed');
    });
  }

  /** Failures after the ack would go unseen: say them. */
  private async logged(what: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      this.ctx.log.error({ err: (err as Error).message }, `telegram: could not handle ${what}`);
      throw err;
    }
  }

  /** Waits for work still running after its update was answered, at most `maxMs`. */
  drain(maxMs?: number): Promise<void> {
    return this.deadline.drain(maxMs);
  }
}
