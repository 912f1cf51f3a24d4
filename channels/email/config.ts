// The email channel's section of the environment. SMTP_URL and EMAIL_FROM turn it on (requests go out
// with action links); IMAP_URL adds replies in. EMAIL_REPLY_TO is the mailbox replies go to, as
// <local>+<token>@domain; without it replies are matched by In-Reply-To/References alone and go to
// EMAIL_FROM. Secrets in the URLs are never logged: describe() shows them without their passwords.
import { z } from 'zod';
import { envVar, requiredVar } from '../kit/settings.js';
import { addressProblem } from './address.js';

const url = (schemes: string[], example: string) =>
  z.string().refine((v) => {
    try {
      const u = new URL(v);
      return schemes.includes(u.protocol) && !!u.hostname;
    } catch {
      return false;
    }
  }, `must be a URL such as ${example}`);

const address = (example: string) =>
  z.string().superRefine((v, ctx) => {
    const problem = addressProblem(bareAddress(v));
    if (problem) ctx.addIssue({ code: 'custom', message: `must be an address such as ${example}` });
  });

/** "Switchboard <approvals@example.com>" → approvals@example.com; a bare address as it is. */
export function bareAddress(value: string): string {
  const m = /<([^<>]+)>\s*$/.exec(value);
  return (m ? m[1]! : value).trim();
}

const flag = envVar.pipe(z.enum(['0', '1', 'true', 'false']).optional()).transform((v) => v === '1' || v === 'true');

export const emailSettings = z
  .object({
    SMTP_URL: requiredVar.pipe(url(['smtp:', 'smtps:'], 'smtp://user:pass@smtp.example.com:587')),
    EMAIL_FROM: requiredVar.pipe(address('"Switchboard <approvals@example.com>"')),
    IMAP_URL: envVar.pipe(url(['imap:', 'imaps:'], 'imaps://user:pass@imap.example.com:993').optional()),
    EMAIL_REPLY_TO: envVar.pipe(address('approvals@example.com (replies come to approvals+<token>@example.com)').optional()),
    EMAIL_REQUIRE_AUTH: flag,
    EMAIL_AUTHSERV_ID: envVar,
    EMAIL_DONE_FOLDER: envVar.pipe(z.string().default('Switchboard')),
  })
  .superRefine((env, ctx) => {
    if (env.EMAIL_REQUIRE_AUTH && !env.EMAIL_AUTHSERV_ID) {
      ctx.addIssue({ code: 'custom', path: ['EMAIL_AUTHSERV_ID'], message: 'is not set: EMAIL_REQUIRE_AUTH=1 trusts only the Authentication-Results header your own mail server adds, named by its authserv-id (e.g. mx.example.com)' });
    }
  })
  .transform((env) => ({
    smtpUrl: env.SMTP_URL,
    /** As it goes in the From header, display name and all. */
    from: env.EMAIL_FROM,
    fromAddress: bareAddress(env.EMAIL_FROM),
    imapUrl: env.IMAP_URL,
    /** The mailbox replies go to (plus-addressed per delivery); EMAIL_FROM's when EMAIL_REPLY_TO is not set. */
    replyTo: env.EMAIL_REPLY_TO ? bareAddress(env.EMAIL_REPLY_TO) : undefined,
    requireAuth: env.EMAIL_REQUIRE_AUTH,
    authservId: env.EMAIL_AUTHSERV_ID,
    doneFolder: env.EMAIL_DONE_FOLDER,
  }));

export type EmailSettings = z.output<typeof emailSettings>;

/** A mail server URL as it may be shown: scheme, user, host and port; never the password. */
export function describeUrl(value: string): string {
  const u = new URL(value);
  return `${u.protocol}//${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.host}`;
}
