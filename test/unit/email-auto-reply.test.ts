import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { autoReplyReason } from '../../channels/email/auto-reply.js';

const raw = (...lines: string[]) => Buffer.from(lines.join('\r\n'));
const reasonFor = async (message: Buffer) => autoReplyReason((await simpleParser(message)).headers);

const TO = 'To: approvals+0123@example.com';

const GMAIL_REPLY = raw(
  'Return-Path: <ana@gmail.com>',
  'Delivered-To: approvals+0123@example.com',
  'MIME-Version: 1.0',
  'From: Ana Lopez <ana@gmail.com>',
  'Date: Mon, 1 Jan 2024 10:05:00 +0100',
  'Message-ID: <CAF=abc@mail.gmail.com>',
  'Subject: Re: Deploy v2.3?',
  TO,
  'Content-Type: text/plain; charset="UTF-8"',
  '',
  'Approve',
);

const EXCHANGE_OOF = raw(
  'Return-Path: <bob@contoso.com>',
  'From: Bob <bob@contoso.com>',
  TO,
  'Subject: Automatic reply: Deploy v2.3?',
  'Thread-Topic: Deploy v2.3?',
  'Message-ID: <a1b2@contoso.com>',
  'Auto-Submitted: auto-replied',
  'X-Auto-Response-Suppress: All',
  'X-MS-Exchange-Inbox-Rules-Loop: bob@contoso.com',
  'Content-Type: text/plain; charset="us-ascii"',
  '',
  'I am out of the office until Monday.',
);

const POSTFIX_DSN = raw(
  'Return-Path: <>',
  'Received: by mail.example.com (Postfix) id 4T1; Mon, 1 Jan 2024 10:00:05 +0000 (UTC)',
  'Date: Mon, 1 Jan 2024 10:00:05 +0000 (UTC)',
  'From: MAILER-DAEMON@mail.example.com (Mail Delivery System)',
  'Subject: Undelivered Mail Returned to Sender',
  TO,
  'Auto-Submitted: auto-replied',
  'MIME-Version: 1.0',
  'Content-Type: multipart/report; report-type=delivery-status;',
  '\tboundary="4T1.1704103205/mail.example.com"',
  'Message-Id: <20240101100005.4T1@mail.example.com>',
  '',
  '--4T1.1704103205/mail.example.com',
  'Content-Description: Notification',
  'Content-Type: text/plain; charset=us-ascii',
  '',
  'I\'m sorry to have to inform you that your message could not be delivered.',
  '',
  '--4T1.1704103205/mail.example.com',
  'Content-Description: Delivery report',
  'Content-Type: message/delivery-status',
  '',
  'Reporting-MTA: dns; mail.example.com',
  'Final-Recipient: rfc822; nobody@example.org',
  'Action: failed',
  'Status: 5.1.1',
  '',
  '--4T1.1704103205/mail.example.com--',
  '',
);

const person = (...extra: string[]) => raw('From: Ana <ana@example.org>', TO, 'Subject: Re: Deploy?', ...extra, 'Content-Type: text/plain', '', 'yes');

describe('autoReplyReason', () => {
  it('a person\'s reply (Gmail) is not automatic', async () => {
    expect(await reasonFor(GMAIL_REPLY)).toBeUndefined();
    expect(await reasonFor(person('Auto-Submitted: no'))).toBeUndefined();
    expect(await reasonFor(person('List-Unsubscribe: <mailto:u@example.org>'))).toBeUndefined();
  });

  it.each([
    ['an Exchange out-of-office reply', EXCHANGE_OOF, 'Auto-Submitted: auto-replied'],
    ['a Postfix bounce', POSTFIX_DSN, 'Auto-Submitted: auto-replied'],
    ['Auto-Submitted with parameters', person('Auto-Submitted: auto-generated; owner-email="x@example.org"'), 'Auto-Submitted: auto-generated'],
    ['Precedence: bulk', person('Precedence: bulk'), 'Precedence: bulk'],
    ['Precedence: junk', person('Precedence: JUNK'), 'Precedence: junk'],
    ['Precedence: list', person('Precedence: list'), 'Precedence: list'],
    ['X-Autoreply', person('X-Autoreply: yes'), 'X-Autoreply'],
    ['X-Autorespond', person('X-Autorespond: Out of office'), 'X-Autorespond'],
    ['an empty Return-Path', person('Return-Path: <>'), 'empty Return-Path'],
    ['a mailing list copy', person('List-Id: Release team <release.example.org>'), 'List-Id'],
  ])('%s', async (_name, message, reason) => {
    expect(await reasonFor(message)).toBe(reason);
  });

  it('a delivery status notification without the other signs', async () => {
    const dsn = Buffer.from(POSTFIX_DSN.toString().replace('Return-Path: <>\r\n', '').replace('Auto-Submitted: auto-replied\r\n', ''));
    expect(await reasonFor(dsn)).toBe('a delivery status notification (multipart/report)');
  });

  it('takes the Content-Type from the caller when given', async () => {
    const { headers } = await simpleParser(GMAIL_REPLY);
    expect(autoReplyReason(headers, 'multipart/report; report-type=delivery-status')).toBe('a delivery status notification (multipart/report)');
  });
});
