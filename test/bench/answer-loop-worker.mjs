// The worker thread of answerer.ts (plain JavaScript: a worker does not get the bench's TypeScript loader).
import { parentPort, workerData } from 'node:worker_threads';

const { baseUrl, apiKey, ids, everyMs, splitAt } = workerData;
let stopped = false;
parentPort.once('message', () => (stopped = true));
const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
const times = { before: [], during: [] };
for (const id of ids) {
  if (stopped) break;
  const start = Date.now();
  const t = performance.now();
  const res = await fetch(`${baseUrl}/v1/requests/${id}/responses`, { method: 'POST', headers, body: '{"value":"approve"}' });
  await res.text();
  if (!res.ok) throw new Error(`answer to ${id} got ${res.status}`);
  (start < splitAt ? times.before : times.during).push(performance.now() - t);
  await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (performance.now() - t))));
}
parentPort.postMessage(times);
