import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { CENSORED, censorSecrets } from '../../src/log-secrets.js';
import { logOptions } from '../../src/log.js';

function logger() {
  const lines: Record<string, unknown>[] = [];
  const log = pino(logOptions('debug'), { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
  return { log, lines };
}

describe('secrets in log lines', () => {
  it('censors tokens, secrets, API keys, passwords and authorization headers to three levels down, and config whole', () => {
    const { log, lines } = logger();
    log.info({
      token: 'xoxb-top', slack: { token: 'xoxb-1', team: 'T1' }, webhook: { secret: 'whsec_2' }, key: { apiKey: 'sb_3' },
      smtp: { password: 'pw-4' }, headers: { authorization: 'Bearer 5', accept: '*/*' }, req: { headers: { authorization: 'Bearer 6' }, url: '/v1' },
      config: { anything: 'at all' }, count: 3,
    }, 'settings');
    const line = lines[0]!;
    expect(line).toMatchObject({
      token: CENSORED, slack: { token: CENSORED, team: 'T1' }, webhook: { secret: CENSORED }, key: { apiKey: CENSORED },
      smtp: { password: CENSORED }, headers: { authorization: CENSORED, accept: '*/*' }, req: { headers: { authorization: CENSORED }, url: '/v1' },
      config: CENSORED, count: 3, msg: 'settings',
    });
    // A child's lines too (its bindings are identifiers, not censored).
    log.child({ part: 'slack' }).warn({ auth: { token: 'xoxb-child' } }, 'hello');
    expect(lines[1]).toMatchObject({ part: 'slack', auth: { token: CENSORED }, msg: 'hello' });
    for (const secret of ['xoxb-top', 'xoxb-1', 'whsec_2', 'sb_3', 'pw-4', 'Bearer 5', 'Bearer 6', 'at all']) expect(JSON.stringify(line)).not.toContain(secret);
  });

  it('passes a line without secrets on as it is, and never changes the object it was given', () => {
    const clean = { method: 'POST', url: '/v1/requests', status: 201, ms: 4, nested: { a: 1 } };
    expect(censorSecrets(clean)).toBe(clean);
    const dirty = { slack: { token: 'xoxb-1', team: 'T1' }, other: { a: 1 } };
    const censored = censorSecrets(dirty);
    expect(censored).toEqual({ slack: { token: CENSORED, team: 'T1' }, other: { a: 1 } });
    expect(censored.other).toBe(dirty.other);
    expect(dirty.slack.token).toBe('xoxb-1');
  });

  it('leaves errors and other class instances to their serializers', () => {
    const err = Object.assign(new Error('boom'), { code: 'E1' });
    const line = { err, when: new Date(0) };
    expect(censorSecrets(line)).toBe(line);
  });
});
