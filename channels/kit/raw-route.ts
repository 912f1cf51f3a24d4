import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HttpRoutes } from '../channel.js';

const DEFAULT_BODY_LIMIT = 1024 * 1024;

export type RawHandler = (req: FastifyRequest, reply: FastifyReply, raw: Buffer) => Promise<unknown>;

/**
 * Mounts `POST path` in its own encapsulated scope: the handler gets the body's exact bytes, whatever
 * its content type, because platform signatures are computed over them. Nothing else on the server
 * sees this parser.
 */
export async function rawPost(http: HttpRoutes, path: string, handler: RawHandler, opts: { bodyLimit?: number } = {}): Promise<void> {
  const bodyLimit = opts.bodyLimit ?? DEFAULT_BODY_LIMIT;
  await http.register((scope, _opts, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_req, body, parsed) => parsed(null, body));
    scope.post(path, { bodyLimit }, (req, reply) => handler(req, reply, Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)));
    done();
  });
}

/** One request header as a string (the first, if it was sent more than once). */
export function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
