// Waiting for a human within one tool call: at most `wait_seconds`, telling the client we are alive.
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { WaitTimeoutError, type Switchboard, type SwitchboardRequest } from '../client/index.js';

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** What the tools need of Switchboard: the typed client, or anything shaped like it. */
export type SwitchboardApi = Pick<Switchboard, 'create' | 'get' | 'wait'>;

export interface WaitSettings {
  /** Aborts when the serving process shuts down: a waiting call then returns "pending" at once. */
  shutdown?: AbortSignal;
  /** How often a progress notification goes out while waiting, when the client asked for them. */
  progressIntervalMs: number;
}

/**
 * The request once it closed, or as last seen when `waitSeconds` ran out (or the process began
 * shutting down): never longer than that, so a client's tool-call timeout never fires first.
 */
export async function waitAtMost(api: SwitchboardApi, known: SwitchboardRequest, waitSeconds: number, extra: ToolExtra, settings: WaitSettings): Promise<SwitchboardRequest> {
  if (known.state !== 'pending' || waitSeconds <= 0) return known;
  const signal = settings.shutdown ? AbortSignal.any([extra.signal, settings.shutdown]) : extra.signal;
  const stopProgress = reportProgress(known.id, waitSeconds, extra, settings.progressIntervalMs);
  try {
    return await api.wait(known.id, { signal, timeoutMs: waitSeconds * 1000 });
  } catch (err) {
    if (err instanceof WaitTimeoutError) return err.request ?? known;
    if (settings.shutdown?.aborted && !extra.signal.aborted) return known;
    throw err;
  } finally {
    stopProgress();
  }
}

/** Sends notifications/progress now and every `intervalMs` if the call carried a progressToken; returns the stop function. */
function reportProgress(id: string, waitSeconds: number, extra: ToolExtra, intervalMs: number): () => void {
  const progressToken = extra._meta?.progressToken;
  if (progressToken === undefined) return () => {};
  const started = Date.now();
  let last = -1;
  const send = () => {
    const progress = Math.min(waitSeconds, Math.round((Date.now() - started) / 1000));
    if (progress <= last) return; // progress must increase with each notification
    last = progress;
    const message = `Waiting for a human to answer request ${id} (${progress} of at most ${waitSeconds} s).`;
    extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress, total: waitSeconds, message } }).catch(() => {});
  };
  send();
  const timer = setInterval(send, intervalMs);
  return () => clearInterval(timer);
}
