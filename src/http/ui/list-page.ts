import { CHANNEL_NAMES, type Request } from '../../domain/types.js';
import { filterQuery, PAGE_SIZE, STATES, type ListFilters } from './filters.js';
import { badge, e, layout, timeHtml, type Signed } from './layout.js';

/** The script that keeps the list live (served at /ui/live.js); the page works without it. */
export const LIVE_SCRIPT_PATH = '/ui/live.js';

const deliveriesHtml = (r: Request) =>
  r.deliveries.map((d) => `${e(d.channel)}${d.to ? ` <span class="meta">${e(d.to)}</span>` : ''} ${badge(d.status)}`).join('<br>');

/** One request's row; the live stream sends the same markup. */
export function requestRow(r: Request): string {
  const votes = r.quorum > 1 ? ` <span class="meta">${r.votes.length}/${r.quorum}</span>` : '';
  return `<tr id="row-${e(r.id)}"><td class="wrap"><a href="/ui/requests/${e(r.id)}">${e(r.title)}</a></td>` +
    `<td>${badge(r.state)}${votes}</td><td>${e(r.type)}</td><td>${deliveriesHtml(r)}</td>` +
    `<td class="wrap">${e(r.workflow_id ?? '')}</td><td>${timeHtml(r.created_at)}</td></tr>`;
}

function select(name: string, label: string, values: readonly string[], chosen?: string): string {
  const opts = ['', ...values].map((v) => `<option value="${e(v)}"${v === (chosen ?? '') ? ' selected' : ''}>${v ? e(v) : 'any'}</option>`);
  return `<div><label for="f-${name}">${label}</label><select id="f-${name}" name="${name}">${opts.join('')}</select></div>`;
}

const textInput = (name: string, label: string, value?: string) =>
  `<div><label for="f-${name}">${label}</label><input type="search" id="f-${name}" name="${name}" value="${e(value ?? '')}"></div>`;

/** The list of requests, newest first, with its filters; the live stream updates its rows. */
export function listPage(rows: Request[], f: ListFilters, signed: Signed): string {
  const page = rows.slice(0, PAGE_SIZE);
  const older = rows.length > PAGE_SIZE ? `<a href="/ui${e(filterQuery(f, page.at(-1)!.id))}">Older requests</a>` : '';
  // Live updates only make sense on the first page (new requests appear at the top).
  const live = f.before ? '' : ` data-live="/ui/events${e(filterQuery(f))}"`;
  const empty = page.length ? '' : '<tr id="empty-row"><td colspan="6">No requests match.</td></tr>';
  const body = `<h1>Requests</h1>
<form class="filters" method="get" action="/ui" role="search" aria-label="Filter requests">
${select('state', 'State', STATES, f.state)}${select('channel', 'Channel', CHANNEL_NAMES, f.channel)}
${textInput('workflow', 'Workflow', f.workflow)}${textInput('q', 'Title contains', f.q)}
<button type="submit">Filter</button> <a href="/ui">Clear</a></form>
<p><a href="/ui${e(filterQuery(f, f.before))}">Refresh</a> <span id="live-status" class="meta" role="status" aria-live="polite"></span></p>
<table><caption class="meta" style="text-align:left">Newest first</caption><thead><tr><th scope="col">Title</th><th scope="col">State</th>
<th scope="col">Type</th><th scope="col">Deliveries</th><th scope="col">Workflow</th><th scope="col">Created</th></tr></thead>
<tbody id="rows"${live}>${page.map(requestRow).join('\n')}${empty}</tbody></table><p>${older}</p>`;
  return layout('Requests', body, signed, LIVE_SCRIPT_PATH);
}
