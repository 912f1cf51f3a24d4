import type { IncomingHttpHeaders } from 'node:http';

/**
 * Why a form POST must be refused as cross-site, or undefined when it may proceed.
 *
 * Browsers say where a request comes from with Sec-Fetch-Site and Origin. The web page is sent with
 * `Referrer-Policy: no-referrer`, so a browser's own same-origin form POST carries `Origin: null`
 * (with `Sec-Fetch-Site: same-origin`): a null Origin is not proof of a foreign page. Clients that
 * send neither header (curl, scripts) are not browsers and cannot be forged into posting; they are
 * left to the form token, which every POST needs.
 */
export function crossSiteReason(headers: IncomingHttpHeaders, publicOrigin: string): string | undefined {
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return `Sec-Fetch-Site is ${String(site)}`;
  const origin = headers.origin;
  if (origin !== undefined && origin !== 'null' && origin !== publicOrigin) return `Origin ${String(origin)} is not ${publicOrigin}`;
  return undefined;
}
