import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { authProblem } from '../../channels/email/auth-results.js';

const MX = 'mx.example.com';

// As Gmail's, Outlook's (Exchange Online) and Postfix's (OpenDMARC, opendkim) servers write them.
const GOOGLE_PASS =
  'mx.example.com; dkim=pass header.i=@gmail.com header.s=20230601 header.b=abcDEF12; spf=pass (google.com: domain of ana@gmail.com designates 209.85.220.41 as permitted sender) smtp.mailfrom=ana@gmail.com; dmarc=pass (p=NONE sp=QUARANTINE dis=NONE) header.from=gmail.com';
const EXCHANGE_FAIL =
  'mx.example.com; spf=fail (sender IP is 203.0.113.9) smtp.mailfrom=contoso.com; dkim=none (message not signed) header.d=none;dmarc=fail action=quarantine header.from=contoso.com;compauth=fail reason=000';
const OPENDKIM_ALIGNED = 'mx.example.com 1; dkim=pass (2048-bit key; unprotected) header.d=mail.example.org header.i=@mail.example.org header.b="Ab(c)d"';
const SPF_ONLY = 'mx.example.com; spf=pass smtp.mailfrom="bounces+ana=example.org@example.org"';
const SPF_OTHER_DOMAIN = 'mx.example.com; spf=pass smtp.mailfrom=bounce@sendgrid.net; dkim=pass header.d=sendgrid.net';
const NONE = 'mx.example.com; none';

describe('authProblem', () => {
  it.each([
    ['dmarc=pass (Gmail)', [GOOGLE_PASS], 'ana@gmail.com'],
    ['aligned dkim, a subdomain of the From domain', [OPENDKIM_ALIGNED], 'ana@example.org'],
    ['aligned spf, quoted smtp.mailfrom', [SPF_ONLY], 'ana@example.org'],
    ['authserv-id in another case', [GOOGLE_PASS.replace('mx.example.com', 'MX.Example.COM')], 'ana@gmail.com'],
  ])('passes: %s', (_name, headers, from) => {
    expect(authProblem(headers, MX, from)).toBeUndefined();
  });

  it.each([
    ['dmarc=fail (Exchange)', [EXCHANGE_FAIL], 'bob@contoso.com', 'dmarc=fail for contoso.com'],
    ['no header from our server', ['other.example.net; dmarc=pass header.from=gmail.com'], 'ana@gmail.com', 'no Authentication-Results from mx.example.com'],
    ['no headers at all', [], 'ana@gmail.com', 'no Authentication-Results from mx.example.com'],
    ['passes for another domain only', [SPF_OTHER_DOMAIN], 'ana@example.org', 'no dmarc, dkim or spf pass aligned with example.org (spf=pass, dkim=pass)'],
    ['none', [NONE], 'ana@example.org', 'no dmarc, dkim or spf pass aligned with example.org'],
    ['dmarc passed for another From', ['mx.example.com; dmarc=pass header.from=evil.example'], 'ana@example.org', 'dmarc passed for evil.example, not example.org'],
  ])('refuses: %s', (_name, headers, from, problem) => {
    expect(authProblem(headers, MX, from)).toBe(problem);
  });

  it('only the topmost header from our server counts; one the sender wrote below it does not', () => {
    const forgedBelow = `${MX}; dmarc=pass header.from=contoso.com`;
    expect(authProblem([EXCHANGE_FAIL, forgedBelow], MX, 'bob@contoso.com')).toBe('dmarc=fail for contoso.com');
    // Another server's header above ours is skipped, not taken for ours.
    expect(authProblem(['relay.example.net; dmarc=fail header.from=gmail.com', GOOGLE_PASS], MX, 'ana@gmail.com')).toBeUndefined();
  });

  it('comments cannot smuggle a result in', () => {
    expect(authProblem([`${MX}; dmarc=fail (dmarc=pass; spf=pass smtp.mailfrom=contoso.com) header.from=contoso.com`], MX, 'bob@contoso.com')).toBe(
      'dmarc=fail for contoso.com',
    );
  });

  it('reads the headers as mailparser gives them, topmost first', async () => {
    const mail = await simpleParser(
      Buffer.from(
        [
          `Authentication-Results: ${MX};`,
          '\tdkim=pass header.i=@gmail.com header.s=20230601;',
          '\tdmarc=pass (p=NONE) header.from=gmail.com',
          `Authentication-Results: ${MX}; dmarc=fail header.from=gmail.com`,
          'From: Ana <ana@gmail.com>',
          '',
          'yes',
        ].join('\r\n'),
      ),
    );
    const headers = mail.headers.get('authentication-results') as string[];
    expect(authProblem(headers, MX, 'ana@gmail.com')).toBeUndefined();
    expect(authProblem(headers.slice(1), MX, 'ana@gmail.com')).toBe('dmarc=fail for gmail.com');
  });
});
