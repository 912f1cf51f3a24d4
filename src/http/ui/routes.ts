import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { listRequests } from '../../store/requests.js';
import { registerActions, showRequest } from './actions.js';
import type { UiDeps } from './deps.js';
import { parseFilters, PAGE_SIZE, toStoreFilter } from './filters.js';
import { refuseForgedPost, requireOperator, sendHtml, sessionCookie, signedAs } from './guard.js';
import { signInPage } from './layout.js';
import { listPage, LIVE_SCRIPT_PATH } from './list-page.js';
import { LIVE_SCRIPT, streamList } from './live.js';
import { createSessions, maySignIn } from './session.js';

type IdParams = { Params: { id: string } };

/** The operator console at /ui: server-rendered pages, forms that work without JavaScript, a live list. */
export async function registerUi(app: FastifyInstance, d: UiDeps): Promise<void> {
  const sessions = createSessions(d.db, d.secret, d.bootstrapKey);
  const secure = d.publicUrl.startsWith('https:');
  const publicOrigin = new URL(d.publicUrl).origin;

  await app.register((ui, _opts, done) => {
    ui.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, parsed) =>
      parsed(null, new URLSearchParams(body as string)),
    );
    const form = (req: FastifyRequest) => (req.body instanceof URLSearchParams ? req.body : new URLSearchParams());

    ui.get(LIVE_SCRIPT_PATH, (_req, reply) =>
      reply.headers({ 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' }).send(LIVE_SCRIPT));

    ui.get('/ui/sign-in', (_req, reply) => sendHtml(reply, 200, signInPage()));

    ui.post('/ui/sign-in', async (req, reply) => {
      const forged = refuseForgedPost(req, reply, publicOrigin, sessions);
      if (forged) return forged;
      const presented = form(req).get('api_key')?.trim() ?? '';
      const key = presented ? await d.verifyKey(presented) : undefined;
      if (!key) return sendHtml(reply, 401, signInPage({ kind: 'error', text: 'That API key is not valid or was revoked.' }));
      if (!maySignIn(key.scopes)) {
        return sendHtml(reply, 403, signInPage({ kind: 'error', text: 'That API key lacks the scope requests:read (or admin) the console needs.' }));
      }
      const cookie = await sessions.issue(key);
      if (!cookie) return sendHtml(reply, 401, signInPage({ kind: 'error', text: 'That API key is not valid or was revoked.' }));
      return reply.header('set-cookie', sessionCookie(cookie, secure)).redirect('/ui', 303);
    });

    ui.register((signed, _o, next) => {
      signed.addHook('onRequest', requireOperator(sessions));

      signed.post('/ui/sign-out', (req, reply) => {
        const forged = refuseForgedPost(req, reply, publicOrigin, sessions);
        if (forged) return forged;
        return reply.header('set-cookie', sessionCookie('', secure, 0)).redirect('/ui/sign-in', 303);
      });

      signed.get('/ui', async (req, reply) => {
        const f = parseFilters(req.query);
        const rows = await listRequests(d.db, toStoreFilter(f, PAGE_SIZE + 1));
        return sendHtml(reply, 200, listPage(rows, f, signedAs(req.operator!, sessions)));
      });

      signed.get('/ui/events', (req, reply) => {
        const f = parseFilters(req.query);
        streamList(req, reply, { wakeups: d.wakeups, list: () => listRequests(d.db, toStoreFilter({ ...f, before: undefined })) });
      });

      signed.get<IdParams>('/ui/requests/:id', async (req, reply) => showRequest(d, sessions, req, reply, 200));

      registerActions(signed, d, sessions, (req: FastifyRequest, reply: FastifyReply) => refuseForgedPost(req, reply, publicOrigin, sessions));
      next();
    });

    done();
  });
}
