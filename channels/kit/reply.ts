import { answerReplyText, PLAIN, type TextStyle } from '../../src/domain/outcome-text.js';
import type { RespondResult, RespondStatus } from '../../src/domain/types.js';

/** What the person who answered sees, from the hub's respond result. */
export interface AnswerReply {
  status: RespondStatus;
  /** The words, from the domain's outcome text, in the channel's style. */
  text: string;
  /** ok: the answer counted; info: it came too late; error: it was refused. */
  tone: 'ok' | 'info' | 'error';
  /** For channels whose reply is an HTTP response (a page, a form post). */
  httpStatus: 200 | 403 | 409 | 422;
  /** The request changed or closed: the person's copy of it should be shown again as it now stands. */
  refresh: boolean;
}

const SHAPE: Record<RespondStatus, Pick<AnswerReply, 'tone' | 'httpStatus' | 'refresh'>> = {
  won: { tone: 'ok', httpStatus: 200, refresh: true },
  counted: { tone: 'ok', httpStatus: 200, refresh: true },
  closed: { tone: 'info', httpStatus: 409, refresh: true },
  forbidden: { tone: 'error', httpStatus: 403, refresh: false },
  invalid: { tone: 'error', httpStatus: 422, refresh: false },
};

export function answerReply(result: RespondResult, style: TextStyle = PLAIN): AnswerReply {
  return { status: result.status, text: answerReplyText(result, style), ...SHAPE[result.status] };
}
