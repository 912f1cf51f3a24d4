// Discord signs every interaction: X-Signature-Ed25519 is an Ed25519 signature, with the application's
// public key, over X-Signature-Timestamp followed by the raw body. Discord sends a bad signature on
// purpose when the endpoint URL is saved, and accepts the URL only if that gets a 401.
import { createPublicKey, type KeyObject, verify } from 'node:crypto';

/** The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); the raw 32-byte key follows it. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
/** A signed timestamp older than this is refused (a replay); one further ahead than the skew, too. */
export const MAX_AGE_S = 5 * 60;
const MAX_SKEW_S = 60;

export function publicKeyFromHex(hex: string): KeyObject {
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(hex, 'hex')]), format: 'der', type: 'spki' });
}

export type Verdict = { ok: true } | { ok: false; reason: string };

export function verifyInteraction(
  key: KeyObject,
  headers: { signature: string | undefined; timestamp: string | undefined },
  raw: Buffer,
  nowS = Date.now() / 1000,
): Verdict {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp) return { ok: false, reason: 'the X-Signature-Ed25519 and X-Signature-Timestamp headers are required' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'X-Signature-Timestamp is not a Unix time' };
  const age = nowS - Number(timestamp);
  if (age > MAX_AGE_S || age < -MAX_SKEW_S) return { ok: false, reason: 'X-Signature-Timestamp is too old or in the future' };
  if (!/^[0-9a-fA-F]{128}$/.test(signature)) return { ok: false, reason: 'invalid request signature' };
  const signed = Buffer.concat([Buffer.from(timestamp, 'utf8'), raw]);
  return verify(null, signed, key, Buffer.from(signature, 'hex')) ? { ok: true } : { ok: false, reason: 'invalid request signature' };
}
