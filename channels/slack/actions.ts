// Bolt listeners: a click or a modal submission is acked first, then turned into an Answer for
// hub.respond, and the clicker sees the result in place (the message updated) or privately (an
// ephemeral reply). Bad input — unknown actions, tampered values, unknown requests — gets an
// ephemeral explanation and never reaches the hub.
import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import { isApprover } from '../../src/domain/identity.js';
import { NOT_APPROVER } from '../../src/domain/outcome-text.js';
import { outcomeOf, type Outcome, type Request, type RespondResult } from '../../src/domain/types.js';
import type { Hub } from '../channel.js';
import type { DuplicateGuard } from '../kit/duplicate-guard.js';
import { answerReply } from '../kit/reply.js';
import { type SlackApi, retrying } from './client.js';
import { decodeOrigin, isUserId, parseAction, viewKindOf, type ViewKind, type ViewOrigin } from './codec.js';
import { parseSubmission, renderModal, type Submission, viewKindFor } from './modal.js';
import { isOurTeam } from './receiver.js';
import { closedNotice, slackText } from './outcome.js';
import type { SlackMessage } from './render.js';

export interface ActionContext {
  api: SlackApi;
  hub: Hub;
  log: Logger;
  /** Slack's retries of an interaction or event (same trigger_id / event_id) do nothing twice, in any hub process. */
  duplicates: DuplicateGuard;
  /** The message for a request as it stands: pending with buttons, or closed with its outcome. */
  render(request: Request, outcome?: Outcome): Promise<SlackMessage>;
}

export const NOTICE = {
  notApprover: NOT_APPROVER,
  unknownAction: 'Switchboard does not recognise this button. The message may come from an older version; ask for a new request.',
  tampered: 'This button does not belong to a Switchboard request it can find, so nothing was recorded.',
  noRequest: 'This request no longer exists, so nothing was recorded.',
  unknownView: 'Switchboard does not recognise this form.',
  noModal: 'Slack could not open the form in time; please click again.',
  failed: 'Switchboard could not record your answer just now; please try again in a moment.',
} as const;

type Where = { channel: string; ts: string };
type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

export function registerListeners(app: App, ctx: ActionContext): void {
  app.use(async (args) => {
    const body = obj(args.body);
    const ack = (args as { ack?: (r?: unknown) => Promise<void> }).ack;
    const settle = async () => {
      if (ack && body.type !== 'event_callback') await ack();
    };
    if (!isOurTeam(body, await ctx.api.identity())) {
      ctx.log.warn({ type: body.type }, 'slack: ignored a payload from another team');
      return settle();
    }
    const key = str(body.trigger_id) ?? str(body.event_id);
    if (key && (await ctx.duplicates.isRepeat(`${String(body.type)}:${key}`))) {
      ctx.log.info({ type: body.type }, 'slack: ignored a repeated delivery');
      return settle();
    }
    await args.next();
  });

  app.action(/.*/, async ({ ack, body }) => {
    await ack();
    await onClick(ctx, obj(body));
  });

  app.view(/.*/, async ({ ack, body, view }) => {
    const kind = viewKindOf(view.callback_id);
    const origin = decodeOrigin(view.private_metadata);
    const parsed = kind && origin ? parseSubmission(kind, view.state?.values) : undefined;
    if (!kind || !origin || !parsed) return ack(errorOnFirstInput(view.blocks, NOTICE.unknownView));
    if (!parsed.ok) {
      return ack(Object.keys(parsed.errors).length ? { response_action: 'errors', errors: parsed.errors } : errorOnFirstInput(view.blocks, NOTICE.unknownView));
    }
    await ack();
    await onSubmit(ctx, obj(body), kind, origin, parsed.answer);
  });

  for (const event of ['app_uninstalled', 'tokens_revoked']) {
    app.event(event, () => {
      ctx.log.error({ event }, 'slack: the app was uninstalled or its tokens revoked; Slack delivery will fail');
      return Promise.resolve();
    });
  }
}

function errorOnFirstInput(blocks: unknown, message: string): { response_action: 'errors'; errors: Record<string, string> } | undefined {
  const input = Array.isArray(blocks) ? blocks.map(obj).find((b) => b.type === 'input' && str(b.block_id)) : undefined;
  return input ? { response_action: 'errors', errors: { [String(input.block_id)]: message } } : undefined;
}

interface Reply {
  user: string;
  where: Where;
  /** An ephemeral message to the clicker, in the message's conversation. */
  tell(text: string): Promise<void>;
  /** The clicked message, re-rendered as the request stands. */
  show(request: Request): Promise<void>;
}

function replier(ctx: ActionContext, user: string, where: Where): Reply {
  return {
    user,
    where,
    tell: async (text) => {
      await retrying(() => ctx.api.postEphemeral(where.channel, user, text)).catch((err: Error) =>
        ctx.log.warn({ err: err.message }, 'slack: ephemeral reply failed'),
      );
    },
    show: async (request) => {
      const message = await ctx.render(request, outcomeOf(request));
      await retrying(() => ctx.api.update(where.channel, where.ts, message, 'interactive')).catch((err: Error) =>
        ctx.log.warn({ err: err.message }, 'slack: in-place update failed'),
      );
    },
  };
}

/** Runs the work after an ack; an unexpected failure (the database away, …) is told, never thrown at Bolt. */
async function guarded(ctx: ActionContext, reply: Reply, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    ctx.log.error({ err: (err as Error).message }, 'slack: could not handle an interaction');
    await reply.tell(NOTICE.failed);
  }
}

async function onClick(ctx: ActionContext, body: Obj): Promise<void> {
  const user = str(obj(body.user).id);
  const channel = str(obj(body.container).channel_id) ?? str(obj(body.channel).id);
  const ts = str(obj(body.container).message_ts) ?? str(obj(body.message).ts);
  // Without a user and a message there is nobody to tell and nothing to update.
  if (!user || !isUserId(user) || !channel || !ts) return;
  const reply = replier(ctx, user, { channel, ts });
  await guarded(ctx, reply, () => click(ctx, body, reply));
}

async function click(ctx: ActionContext, body: Obj, reply: Reply): Promise<void> {
  const actions = Array.isArray(body.actions) ? body.actions : [];
  const action = parseAction(actions[0]);
  if (action.kind === 'unknown') return reply.tell(NOTICE.unknownAction);
  if (action.kind === 'tampered') return reply.tell(NOTICE.tampered);
  // Any copy of the request decides, recorded or not (a post whose delivery died before recording it):
  // Slack sends a click only to the app that posted the message, and the payload is signed.
  const request = await ctx.hub.get(action.requestId);
  if (!request) return reply.tell(NOTICE.noRequest);

  if (action.kind === 'option') {
    const option = request.options[action.index];
    if (!option || (request.type !== 'approval' && request.type !== 'choice')) return reply.tell(NOTICE.tampered);
    return answer(ctx, reply, request, { value: option.value });
  }
  const fits = action.kind === 'comment' ? request.type === 'approval' : request.type === 'text' || request.type === 'form';
  const trigger = str(body.trigger_id);
  if (!fits || !trigger) return reply.tell(NOTICE.tampered);
  if (request.state !== 'pending') {
    await reply.tell(closedNotice(request));
    return reply.show(request);
  }
  if (!isApprover(request, { channel: 'slack', id: reply.user })) return reply.tell(NOTICE.notApprover);
  await ctx.api.openView(trigger, renderModal(request, { requestId: request.id, ...reply.where })).catch((err: Error) => {
    ctx.log.warn({ err: err.message }, 'slack: views.open failed');
    return reply.tell(NOTICE.noModal);
  });
}

async function onSubmit(ctx: ActionContext, body: Obj, kind: ViewKind, origin: ViewOrigin, submission: Submission): Promise<void> {
  const user = str(obj(body.user).id);
  if (!user || !isUserId(user)) return;
  const reply = replier(ctx, user, { channel: origin.channel, ts: origin.ts });
  await guarded(ctx, reply, async () => {
    const request = await ctx.hub.get(origin.requestId);
    if (!request) return reply.tell(NOTICE.noRequest);
    if (viewKindFor(request) !== kind) return reply.tell(NOTICE.tampered);
    return answer(ctx, reply, request, submission);
  });
}

async function answer(ctx: ActionContext, reply: Reply, request: Request, submission: Submission): Promise<void> {
  const name = await ctx.api.userName(reply.user);
  const responder = { channel: 'slack' as const, id: reply.user, ...(name ? { name } : {}) };
  const result = await ctx.hub.respond({ requestId: request.id, ...submission, responder }, request);
  ctx.log.info({ requestId: request.id, status: result.status }, 'slack: answer');
  await report(ctx, reply, result);
}

/** The clicker's copy shows the request as it now stands, and anything but a win is also told privately. */
async function report(ctx: ActionContext, reply: Reply, result: RespondResult): Promise<void> {
  const { status, text, refresh } = answerReply(result, slackText);
  if (refresh) {
    // Re-read after a counted vote: a vote from elsewhere may have closed it since, and a stale "pending" render must not win.
    const current = status === 'counted' ? ((await ctx.hub.get(result.request.id)) ?? result.request) : result.request;
    await reply.show(current);
  }
  if (status !== 'won') await reply.tell(text);
}
