import { describe, expect, it } from 'vitest';
import { withoutTokens } from '../../src/http/audit-log.js';
import { createTokens } from '../../src/tokens.js';

describe('the audit log shows no capability token', () => {
  const tokens = createTokens('a-secret-for-this-test');
  const id = 'req_01m8tz5fdmrn8zdr3w2msm6jn3';

  it('cuts full and compact tokens wherever they sit, in any case', () => {
    const full = tokens.issue(id, 2);
    const compact = tokens.compact(id, 'web');
    expect(tokens.verify(full)).toBeDefined();
    const data = {
      value: full,
      ref: { message_id: `<${compact}.request@example.com>`, to: 'ana@example.com' },
      list: [`http://hub/r/${tokens.issue(id, 'web')}`, compact.toUpperCase()],
      n: 3,
      none: null,
    };
    expect(withoutTokens(data)).toEqual({
      value: '[token]',
      ref: { message_id: '<[token].request@example.com>', to: 'ana@example.com' },
      list: ['http://hub/r/[token]', '[token]'],
      n: 3,
      none: null,
    });
  });

  it('leaves ids, identities and errors alone', () => {
    const data = { responder: { channel: 'slack', id: 'U0ANA' }, request: id, error: 'Slack chat.postMessage: channel_not_found', event_id: 'msg_01m8tz5fdmrn8zdr3w2msm6jn3' };
    expect(withoutTokens(data)).toEqual(data);
  });
});
