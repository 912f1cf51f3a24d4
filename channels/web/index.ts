import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { linkIdentity, WEB_PAGE_ID } from '../../src/domain/identity.js';
import type { Answer, FieldValues, Request, Responder } from '../../src/domain/types.js';
import type { Channel, ChannelContext, ChannelPlugin, Hub } from '../channel.js';
import { answerReply } from '../kit/reply.js';
import { crossSiteReason } from './csrf.js';
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

const notFound = (reply: FastifyReply) => send(reply, 404, renderMessage('Link not valid', 'This link is not valid or has been mistyped.'));

/** Form posts are flat: `value`, `comment`, `name`, `form_token`, and form fields as `f.<name>`. */
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

interface Link {
  request: Request;
  /** Who this link answers as (identity.ts): web:page, web:<to>, web:#<i>, or the recipient it was issued to. */
  identity: Pick<Responder, 'channel' | 'id'>;
  named: boolean;
}

/**
 * The request's own web page at /r/{token}. GET (and HEAD) only shows, even with an option chosen in
 * the link (`?value=approve`, an email's button: the page then asks to confirm it), as mail scanners and
 * link previews follow links, some running a page's scripts (the page has none); the POST of its form decides. The link is the identity: the page link (links.web) is one
 * voter, each recipient's link another; the name typed on the page is only shown.
 * The POST is CSRF-safe: cross-site browser posts are refused, and the form carries a token.
 */
export function createWebChannel(): Channel {
  let hub: Hub;
  let publicOrigin: string;
  return {
    name: 'web',
    inline: true,
    async start({ hub: h, http }: ChannelContext) {
      hub = h;
      publicOrigin = new URL(h.publicUrl).origin;
      await http.register((scope, _opts, done) => {
        scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, parsed) =>
          parsed(null, new URLSearchParams(body as string)),
        );
        // Fastify answers HEAD with this handler too, without the body: neither ever decides.
        scope.get<{ Params: { token: string }; Querystring: { value?: unknown } }>('/r/:token', async (req, reply) => {
          const link = await resolve(req.params.token);
          if (!link) return notFound(reply);
          const preselect = typeof req.query.value === 'string' ? req.query.value : undefined;
          return send(reply, 200, page(link, req.params.token, undefined, preselect));
        });
        scope.post<{ Params: { token: string }; Body: unknown }>('/r/:token', async (req, reply) => {
          const crossSite = crossSiteReason(req.headers, publicOrigin);
          if (crossSite) {
            req.log.info({ reason: crossSite }, 'web form post refused as cross-site');
            return send(reply, 403, renderMessage('Not allowed', 'This answer was sent from another site, so it was not accepted. Open the link you were sent and answer there.'));
          }
          const link = await resolve(req.params.token);
          if (!link) return notFound(reply);
          const form = req.body instanceof URLSearchParams ? req.body : new URLSearchParams();
          if (!hub.tokens.verifyFormToken(req.params.token, form.get('form_token') ?? '')) {
            const notice: PageNotice = { kind: 'error', text: 'This form has expired or did not come from this page, so nothing was recorded. Please answer again.' };
            return send(reply, 403, page(link, req.params.token, notice));
          }
          const typed = form.get('name')?.trim() || undefined;
          // The typed name is display data; unnamed links show as anonymous rather than as "page" or "#2".
          const name = typed ?? (link.named ? undefined : 'anonymous');
          const result = await hub.respond(toAnswer(link.request.id, { ...link.identity, ...(name ? { name } : {}) }, form), link.request);
          const answered = answerReply(result);
          const notice: PageNotice = { kind: answered.tone, text: answered.text };
          return send(reply, answered.httpStatus, page({ ...link, request: result.request }, req.params.token, notice));
        });
        done();
      });
    },
    // Inline: the hub never calls these; the page is there as soon as the request is stored.
    deliver(request, _to, recipientIndex) {
      return Promise.resolve({ url: `${hub.publicUrl}/r/${hub.tokens.issue(request.id, recipientIndex)}` });
    },
    async settle() {},
    async stop() {},
  };

  async function resolve(token: string): Promise<Link | undefined> {
    const claim = hub.tokens.verify(token);
    if (!claim) return undefined;
    const request = await hub.get(claim.requestId);
    const identity = request && linkIdentity(request, claim.recipient);
    if (!request || !identity) return undefined;
    const named = !(identity.channel === 'web' && (identity.id === WEB_PAGE_ID || identity.id.startsWith('#')));
    return { request, identity, named };
  }

  function page(link: Link, token: string, notice?: PageNotice, preselect?: string): string {
    return renderPage(link.request, { formToken: hub.tokens.formToken(token), notice, linkNote: linkNote(link), preselect });
  }
}

/** The registry's entry: the web page needs no settings and is always on. */
export const web: ChannelPlugin<Record<string, never>> = {
  name: 'web',
  settings: z.object({}).transform(() => ({})),
  create: () => createWebChannel(),
};

function linkNote({ request, identity, named }: Link): string | undefined {
  if (named) return `This link is for ${identity.id}; your answer counts as theirs.`;
  if (request.quorum > 1) return 'Everyone using this link counts as one approval.';
  return undefined;
}
