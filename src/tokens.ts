import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { CapabilityTokens } from '../channels/channel.js';

/** How long a web form stays answerable after the page was shown; then the page asks again. */
export const FORM_TOKEN_MAX_AGE_S = 24 * 3600;
/** Clock difference between processes tolerated for a form token issued "in the future". */
const FORM_TOKEN_SKEW_S = 300;

const BASE32 = '0123456789abcdefghjkmnpqrstvwxyz';

/** The first `chars` base32 characters (Crockford, lowercase) of `bytes`. */
function base32(bytes: Buffer, chars: number): string {
  let out = '';
  for (let i = 0; i < chars; i++) {
    const bit = i * 5;
    const word = ((bytes[bit >> 3] ?? 0) << 8) | (bytes[(bit >> 3) + 1] ?? 0);
    out += BASE32[(word >> (11 - (bit & 7))) & 31];
  }
  return out;
}

/**
 * Capability tokens: `<requestId>.<recipient>.<mac>`, recipient an index into the request's
 * recipients or `w` for the request's own page. Stateless: the MAC is the proof.
 *
 * The compact form says the same in lowercase letters, digits and "-" in at most 51 characters:
 * `<request id without "req_">-<recipient>-<mac, 20 base32 characters = 100 bits>`, for places that
 * limit length or may fold case (an email address's local part, a Message-ID). Its MAC has a key of
 * its own, so one form cannot be turned into the other.
 *
 * Form tokens (the web form's CSRF token): `<issued at, base36 seconds>.<mac>`, bound to one
 * capability token with a key of their own, so neither kind of token can stand in for the other.
 */
export function createTokens(secret: string): CapabilityTokens {
  // Key objects: an HMAC keyed by one costs about half of one keyed by a string, which is converted every time.
  const hmac = (key: KeyObject, payload: string) => createHmac('sha256', key).update(payload).digest('base64url').slice(0, 32);
  const capabilityKey = createSecretKey(Buffer.from(secret));
  const formKey = createSecretKey(createHmac('sha256', secret).update('switchboard form tokens').digest());
  const compactKey = createSecretKey(createHmac('sha256', secret).update('switchboard compact tokens').digest());
  const compactMac = (payload: string) => base32(createHmac('sha256', compactKey).update(payload).digest(), 20);
  const same = (a: string, b: string) => timingSafeEqual(Buffer.from(a), Buffer.from(b));
  return {
    issue(requestId, recipient) {
      const payload = `${requestId}.${recipient === 'web' ? 'w' : recipient}`;
      return `${payload}.${hmac(capabilityKey, payload)}`;
    },
    compact(requestId, recipient) {
      const m = /^req_([0-9a-z]{26})$/.exec(requestId);
      if (!m) throw new Error(`not a request id: ${requestId}`);
      const payload = `${m[1]}-${recipient === 'web' ? 'w' : recipient}`;
      return `${payload}-${compactMac(payload)}`;
    },
    verify(token) {
      const c = /^([0-9a-z]{26})-(w|\d{1,3})-([0-9a-z]{20})$/.exec(token.toLowerCase());
      if (c) {
        if (!same(compactMac(`${c[1]}-${c[2]}`), c[3]!)) return undefined;
        return { requestId: `req_${c[1]}`, recipient: c[2] === 'w' ? 'web' : Number(c[2]) };
      }
      const m = /^([a-z]+_[0-9a-z]{26})\.(w|\d{1,3})\.([A-Za-z0-9_-]{32})$/.exec(token);
      if (!m) return undefined;
      if (!same(hmac(capabilityKey, `${m[1]}.${m[2]}`), m[3]!)) return undefined;
      return { requestId: m[1]!, recipient: m[2] === 'w' ? 'web' : Number(m[2]) };
    },
    formToken(capability) {
      const issued = Math.floor(Date.now() / 1000).toString(36);
      return `${issued}.${hmac(formKey, `${capability}.${issued}`)}`;
    },
    verifyFormToken(capability, formToken) {
      const m = /^([0-9a-z]{1,10})\.([A-Za-z0-9_-]{32})$/.exec(formToken);
      if (!m || !same(hmac(formKey, `${capability}.${m[1]}`), m[2]!)) return false;
      const age = Date.now() / 1000 - parseInt(m[1]!, 36);
      return age >= -FORM_TOKEN_SKEW_S && age <= FORM_TOKEN_MAX_AGE_S;
    },
  };
}
