import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CapabilityTokens } from '../channels/channel.js';

/**
 * Capability tokens: `<requestId>.<recipient>.<mac>`, recipient an index into the request's
 * recipients or `w` for the request's own page. Stateless: the MAC is the proof.
 */
export function createTokens(secret: string): CapabilityTokens {
  const mac = (payload: string) => createHmac('sha256', secret).update(payload).digest('base64url').slice(0, 32);
  return {
    issue(requestId, recipient) {
      const payload = `${requestId}.${recipient === 'web' ? 'w' : recipient}`;
      return `${payload}.${mac(payload)}`;
    },
    verify(token) {
      const m = /^([a-z]+_[0-9a-z]{26})\.(w|\d{1,3})\.([A-Za-z0-9_-]{32})$/.exec(token);
      if (!m) return undefined;
      const expected = Buffer.from(mac(`${m[1]}.${m[2]}`));
      const given = Buffer.from(m[3]!);
      if (!timingSafeEqual(expected, given)) return undefined;
      return { requestId: m[1]!, recipient: m[2] === 'w' ? 'web' : Number(m[2]) };
    },
  };
}
