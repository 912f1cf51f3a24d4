import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
const MAX_DISCARDED_BODY_BYTES = 64 * 1024;

export interface PostResult {
  status: number;
  headers: IncomingMessage['headers'];
}

export class PostTimeout extends Error {}

/**
 * POSTs a body and resolves on the response headers (the body is read and dropped, up to 64 KiB).
 * node:http with keep-alive: several times cheaper per call than fetch, which matters for a hub
 * sending a webhook per decision. Redirects are never followed.
 */
export function post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<PostResult> {
  const target = new URL(url);
  const https = target.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(
      target,
      { method: 'POST', agent: https ? agents.https : agents.http, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } },
      (res) => {
        clearTimeout(timer);
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_DISCARDED_BODY_BYTES) res.destroy();
        });
        res.on('error', () => {});
        // A body that never ends would pin the socket: give it the same time, then drop it.
        const drain = setTimeout(() => res.destroy(), timeoutMs);
        res.on('close', () => clearTimeout(drain));
        resolve({ status: res.statusCode ?? 0, headers: res.headers });
      },
    );
    const timer = setTimeout(() => req.destroy(new PostTimeout(`timeout after ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(body);
  });
}
