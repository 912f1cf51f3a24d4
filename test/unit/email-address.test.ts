import { describe, expect, it } from 'vitest';
import { addressProblem, messageId, replyAddress, tokenInAddress, tokensInMessageIds } from '../../channels/email/address.js';
import { createTokens } from '../../src/tokens.js';
import { newId } from '../../src/store/ids.js';

const tokens = createTokens('email-address-test-secret-0123456789');
const id = newId('req');
const token = tokens.compact(id, 2);

describe('email addresses and Message-IDs carry the compact token', () => {
  it('accepts plain addresses and refuses the rest with a reason', () => {
    for (const ok of ['ana@example.com', 'a.b+tag@mail.example.co.uk', "o'neil@example.org"]) expect(addressProblem(ok)).toBeUndefined();
    for (const bad of [undefined, '', 'ana', 'ana@', '@example.com', 'ana@localhost', 'Ana <ana@example.com>', 'a..b@example.com', 'ana@exa_mple.com', `${'a'.repeat(65)}@example.com`]) {
      expect(addressProblem(bad), String(bad)).toMatch(/address|to|characters/);
    }
  });

  it('plus-addresses the reply mailbox and reads the token back, in any case, only from that mailbox', () => {
    const address = replyAddress('approvals@example.com', token);
    expect(address).toBe(`approvals+${token}@example.com`);
    expect(address.split('@')[0]!.length).toBeLessThanOrEqual(64);
    expect(tokenInAddress(address, 'approvals@example.com')).toBe(token);
    expect(tokenInAddress(address.toUpperCase(), 'Approvals@Example.com')).toBe(token);
    expect(tokens.verify(tokenInAddress(address.toUpperCase(), 'approvals@example.com')!)).toEqual({ requestId: id, recipient: 2 });
    expect(tokenInAddress(`other+${token}@example.com`, 'approvals@example.com')).toBeUndefined();
    expect(tokenInAddress(`approvals+${token}@example.org`, 'approvals@example.com')).toBeUndefined();
    expect(tokenInAddress('approvals+hello@example.com', 'approvals@example.com')).toBeUndefined();
    expect(tokenInAddress('approvals@example.com', 'approvals@example.com')).toBeUndefined();
  });

  it('finds tokens in In-Reply-To and References, nearest first, whatever the kind of message', () => {
    const other = tokens.compact(newId('req'), 0);
    const ids = ['<CAF=unrelated@mail.gmail.com>', messageId(token, 'request', 'hub.example.com'), messageId(other, 'outcome', 'hub.example.com'), messageId(token, 'notice', 'hub.example.com', 3)];
    expect(tokensInMessageIds(ids)).toEqual([token, other]);
    expect(tokensInMessageIds([messageId(token, 'request', 'x.example').slice(1, -1)])).toEqual([token]);
    expect(tokensInMessageIds(['<random@example.com>', `<${token}@example.com>`])).toEqual([]);
  });
});
