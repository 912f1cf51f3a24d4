import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

// Random bytes drawn 4 KiB at a time: a getrandom call per id cost a create ~8 % of its CPU.
const POOL = Buffer.alloc(4096);
let poolAt = POOL.length;

function randomSlice(n: number): Buffer {
  if (poolAt + n > POOL.length) {
    randomFillSync(POOL);
    poolAt = 0;
  }
  poolAt += n;
  return POOL.subarray(poolAt - n, poolAt);
}

/** Time-ordered ids (48-bit ms + 80 random bits, Crockford base32): sorting by id sorts by creation. */
export function newId(prefix: string, now = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const rand = randomSlice(10);
  let tail = '';
  for (let i = 0; i < 16; i++) {
    const bit = i * 5;
    const byte = bit >> 3;
    const word = ((rand[byte] ?? 0) << 8) | (rand[byte + 1] ?? 0);
    tail += ALPHABET[(word >> (11 - (bit & 7))) & 31];
  }
  return `${prefix}_${time}${tail}`;
}

export const ID_PATTERN = /^[a-z]+_[0-9a-hjkmnp-tv-z]{26}$/;
