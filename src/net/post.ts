import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { isPrivateAddress } from './private-address.js';

const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
const MAX_DISCARDED_BODY_BYTES = 64 * 1024;

export interface PostResult {
  status: number;
  headers: IncomingMessage['headers'];
}

export class PostTimeout extends Error {}

/** Raised instead of connecting when `denyPrivate` is set and the host is (or resolves to) a private address. */
export class PrivateAddressRefused extends Error {
  readonly code = 'EPRIVATE';
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** Resolves like dns.lookup, but fails on private addresses: the check happens on the address we connect to. */
function publicOnlyLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (err, list) => {
    if (err) return callback(err, []);
    const bad = list.find((a) => isPrivateAddress(a.address));
    if (bad) return callback(new PrivateAddressRefused(`${hostname} resolves to a private address (${bad.address})`), []);
    if (options.all) return callback(null, list);
    callback(null, list[0]!.address, list[0]!.family);
  });
}

/**
 * POSTs a body and resolves on the response headers (the body is read and dropped, up to 64 KiB).
 * node:http with keep-alive: several times cheaper per call than fetch, which matters for a hub
 * sending a webhook per decision. Redirects are never followed.
 */
export function post(
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  opts: { denyPrivate?: boolean } = {},
): Promise<PostResult> {
  const target = new URL(url);
  const https = target.protocol === 'https:';
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
  if (opts.denyPrivate && isIP(host) && isPrivateAddress(host)) {
    return Promise.reject(new PrivateAddressRefused(`${host} is a private address`));
  }
  // Pinned checks need a fresh connection per call: a pooled socket was resolved before.
  const agent = opts.denyPrivate ? false : https ? agents.https : agents.http;
  return new Promise((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(
      target,
      {
        method: 'POST',
        agent,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        ...(opts.denyPrivate ? { lookup: publicOnlyLookup } : {}),
      },
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
