import type { FastifyReply } from 'fastify';
import type { Answer, FieldValues, Responder } from '../../src/domain/types.js';
import type { Channel, Hub, HttpRoutes } from '../channel.js';
import { renderMessage, renderPage, type PageNotice } from './render.js';

const HTML_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'",
};

function send(reply: FastifyReply, status: number, html: string) {
  return reply.code(status).headers(HTML_HEADERS).send(html);
}

/** Form posts are flat: `value`, `comment`, `name`, and form fields as `f.<name>`. */
function toAnswer(requestId: string, responder: Responder, form: URLSearchParams): Answer {
  const fields: FieldValues = {};
  for (const [k, v] of form) if (k.startsWith('f.')) fields[k.slice(2)] = v;
  const answer: Answer = { requestId, responder, fields };
  const value = form.get('value');
  if (value) answer.value = value;
  const comment = form.get('comment')?.trim();
  if (comment) answer.comment = comment;
  return answer;
}

/**
 * The request's own web page at /r/{token}. GET only shows (mail scanners and link previews follow
 * links); the POST of its form decides. A token for recipient i answers as that recipient.
 */
export function createWebChannel(): Channel {
  let hub: Hub;
  return {
    name: 'web',
    inline: true,
    async start(h: Hub, http: HttpRoutes) {
      hub = h;
      await http.register(async (scope) => {
        scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
          done(null, new URLSearchParams(body as string)),
        );
        scope.get<{ Params: { token: string } }>('/r/:token', async (req, reply) => {
          const found = await resolve(req.params.token);
          if (!found) return send(reply, 404, renderMessage('Link not valid', 'This link is not valid or has been mistyped.'));
          return send(reply, 200, renderPage(found.request));
        });
        scope.post<{ Params: { token: string }; Body: unknown }>('/r/:token', async (req, reply) => {
          const found = await resolve(req.params.token);
          if (!found) return send(reply, 404, renderMessage('Link not valid', 'This link is not valid or has been mistyped.'));
          const form = req.body instanceof URLSearchParams ? req.body : new URLSearchParams();
          const result = await hub.respond(toAnswer(found.request.id, responderFor(found, form), form));
          const [status, notice]: [number, PageNotice] =
            result.status === 'won' ? [200, { kind: 'ok', text: 'Thank you — your answer decided this request.' }]
            : result.status === 'counted' ? [200, { kind: 'ok', text: result.reason ?? 'Thank you — your approval was counted.' }]
            : result.status === 'closed' ? [409, { kind: 'info', text: result.reason ?? 'This request is closed.' }]
            : result.status === 'forbidden' ? [403, { kind: 'error', text: result.reason ?? 'You may not answer this request.' }]
            : [422, { kind: 'error', text: result.reason ?? 'That answer is not valid.' }];
          return send(reply, status, renderPage(result.request, notice));
        });
      });
    },
    // Inline: the hub never calls these; the page is there as soon as the request is stored.
    async deliver(request) {
      return { url: `${hub.publicUrl}/r/${hub.tokens.issue(request.id, 'web')}` };
    },
    async settle() {},
    async stop() {},
  };

  async function resolve(token: string) {
    const claim = hub.tokens.verify(token);
    if (!claim) return undefined;
    const request = await hub.get(claim.requestId);
    return request && { request, recipient: claim.recipient };
  }
}

function responderFor(found: { request: { recipients: { channel: string; to?: string }[] }; recipient: number | 'web' }, form: URLSearchParams): Responder {
  const name = form.get('name')?.trim().slice(0, 200) || undefined;
  if (found.recipient !== 'web') {
    const r = found.request.recipients[found.recipient];
    if (r?.to) return { channel: r.channel as Responder['channel'], id: r.to, ...(name ? { name } : {}) };
  }
  return name ? { channel: 'web', id: name, name } : { channel: 'web', id: 'anonymous' };
}
