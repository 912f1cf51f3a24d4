import type { FastifyReply, FastifyRequest } from 'fastify';
import { crossSiteReason } from '../../domain/cross-site.js';
import { HTML_HEADERS, layout, type Signed } from './layout.js';
import { SESSION_TTL_S, type Operator, type Sessions } from './session.js';

declare module 'fastify' {
  interface FastifyRequest {
    operator?: Operator;
  }
}

export const COOKIE = 'sb_console';

export function sendHtml(reply: FastifyReply, status: number, html: string) {
  return reply.code(status).headers(HTML_HEADERS).send(html);
}

export const messagePage = (reply: FastifyReply, status: number, title: string, text: string, signed?: Signed) =>
  sendHtml(reply, status, layout(title, `<h1>${title}</h1><p>${text}</p><p><a href="/ui">Back to the console</a></p>`, signed));

export function readCookie(req: FastifyRequest, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/** HttpOnly, SameSite=Strict, only under /ui, Secure when the hub is served over https. */
export function sessionCookie(value: string, secure: boolean, maxAge = SESSION_TTL_S): string {
  return `${COOKIE}=${value}; Path=/ui; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

export const signedAs = (op: Operator, sessions: Sessions): Signed => ({ name: op.name, formToken: sessions.formToken(op) });

/**
 * Every console route but sign-in and the script: a page without a session goes to sign-in; anything
 * else (a form post, the live stream) gets 401.
 */
export function requireOperator(sessions: Sessions) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    req.operator = await sessions.verify(readCookie(req, COOKIE));
    if (req.operator) return;
    if (req.method === 'GET' && !req.url.startsWith('/ui/events')) return reply.redirect('/ui/sign-in', 303);
    return messagePage(reply, 401, 'Signed out', 'Your session has ended. <a href="/ui/sign-in">Sign in</a> again.');
  };
}

/**
 * CSRF: a post a browser marks as coming from another site is refused, and (once signed in) every
 * post carries the session's form token.
 */
export function refuseForgedPost(req: FastifyRequest, reply: FastifyReply, publicOrigin: string, sessions: Sessions): FastifyReply | undefined {
  const crossSite = crossSiteReason(req.headers, publicOrigin);
  if (crossSite) {
    req.log.info({ reason: crossSite }, 'console form post refused as cross-site');
    return messagePage(reply, 403, 'Not allowed', 'This form was sent from another site, so nothing was done.');
  }
  if (!req.operator) return undefined;
  const form = req.body instanceof URLSearchParams ? req.body : new URLSearchParams();
  if (!sessions.verifyFormToken(req.operator, form.get('form_token') ?? '')) {
    return messagePage(reply, 403, 'Form expired', 'This form did not come from your session, so nothing was done. Go back, reload and try again.', signedAs(req.operator, sessions));
  }
  return undefined;
}
