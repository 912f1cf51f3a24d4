import { Worker } from 'node:worker_threads';

export interface AnswerLoop {
  baseUrl: string;
  apiKey: string;
  /** Requests to answer, one every `everyMs`, until stopped or none are left. */
  ids: string[];
  everyMs: number;
  /** Answers sent before this moment (epoch ms) are "before"; the rest "during". */
  splitAt: number;
}

export interface AnswerTimes {
  before: number[];
  during: number[];
}

/**
 * Answers requests at a steady pace from a worker thread, timing each answer there: the bench's
 * main thread may be busy receiving a burst's webhooks, and an answer timed on its event loop
 * would count that wait as the hub's.
 */
export function startAnswerLoop(loop: AnswerLoop): { stop(): Promise<AnswerTimes> } {
  const worker = new Worker(new URL('./answer-loop-worker.mjs', import.meta.url), { workerData: loop });
  const done = new Promise<AnswerTimes>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  // A failure surfaces at stop(), where the bench awaits it (not as an unhandled rejection that skips the cleanup).
  done.catch(() => {});
  return {
    stop: async () => {
      worker.postMessage('stop');
      const times = await done;
      await worker.terminate();
      return times;
    },
  };
}
