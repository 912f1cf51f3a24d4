import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Request } from '../../domain/types.js';
import type { Wakeups } from '../../jobs/wakeups.js';
import { requestRow } from './list-page.js';

const HEARTBEAT_MS = 15_000;
/** Delivery and webhook progress publishes no wake-up; a re-read this often shows it. */
const RECHECK_MS = 5_000;
/** Many changes in a burst cost one re-read. */
const COALESCE_MS = 250;

/** What a row shows that can change. */
const fingerprint = (r: Request) => `${r.state}/${r.votes.length}/${r.deliveries.map((d) => d.status).join(',')}`;

/**
 * The console list's live stream (SSE): an event `row` ({ id, html }) for every row of the filtered
 * first page that is new or changed, starting with all of them. Any request's wake-up (and a re-read
 * every few seconds) re-runs the page's query, so a row appears exactly when it matches the filters.
 */
export function streamList(req: FastifyRequest, reply: FastifyReply, d: { wakeups: Wakeups; list: () => Promise<Request[]> }): void {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' });
  // Sends the headers now (a stream with nothing to say yet would otherwise send none) and sets the browser's reconnect delay.
  res.write('retry: 3000\n\n');
  const shown = new Map<string, string>();
  let queued: NodeJS.Timeout | undefined;
  let busy = Promise.resolve();

  const refresh = () => {
    busy = busy.then(async () => {
      if (res.writableEnded) return;
      const rows = await d.list();
      // Forget rows that left the page, so the map stays as small as the page.
      for (const id of shown.keys()) if (!rows.some((r) => r.id === id)) shown.delete(id);
      // Oldest first, so that new rows, each put at the top, end up newest first.
      for (const r of rows.reverse()) {
        const fp = fingerprint(r);
        if (shown.get(r.id) === fp) continue;
        shown.set(r.id, fp);
        res.write(`event: row\ndata: ${JSON.stringify({ id: r.id, html: requestRow(r) })}\n\n`);
      }
    }).catch((err) => req.log.warn({ err }, 'console list re-read failed'));
  };
  const soon = () => {
    queued ??= setTimeout(() => {
      queued = undefined;
      refresh();
    }, COALESCE_MS);
  };
  const off = d.wakeups.onAny(soon);
  const recheck = setInterval(refresh, RECHECK_MS);
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  function close() {
    d.wakeups.shutdown.removeEventListener('abort', close);
    off();
    clearTimeout(queued);
    clearInterval(recheck);
    clearInterval(heartbeat);
    if (!res.writableEnded) res.end();
  }
  req.raw.once('close', close);
  d.wakeups.shutdown.addEventListener('abort', close, { once: true });
  refresh();
}

/** The browser half (no build step): rows from the stream replace or join the table. */
export const LIVE_SCRIPT = `(() => {
  const rows = document.querySelector('tbody[data-live]');
  const status = document.getElementById('live-status');
  if (!rows || !window.EventSource) return;
  const say = (text) => { if (status) status.textContent = text; };
  const source = new EventSource(rows.dataset.live);
  source.onopen = () => say('Live: changes appear as they happen.');
  source.onerror = () => say('Live updates interrupted; reconnecting.');
  source.addEventListener('row', (event) => {
    const { id, html } = JSON.parse(event.data);
    const template = document.createElement('template');
    template.innerHTML = html.trim();
    const row = template.content.firstElementChild;
    const old = document.getElementById('row-' + id);
    if (old) return old.replaceWith(row);
    document.getElementById('empty-row')?.remove();
    rows.prepend(row);
    say('New request: ' + row.querySelector('a').textContent);
  });
})();
`;
