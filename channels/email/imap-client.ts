// IMAP_URL to an ImapFlow client, and the small pieces every use of one needs: a deadline on each
// command (a server that stops answering must not hang the loop), and error text without the password.
import { ImapFlow } from 'imapflow';

export interface ImapTarget {
  host: string;
  port: number;
  /** imaps:// (TLS from the start); imap:// upgrades with STARTTLS when the server offers it. */
  secure: boolean;
  user: string;
  pass: string;
  /** "user@host:port", for logs and check details. */
  label: string;
}

/** imap://user:pass@host[:143] or imaps://user:pass@host[:993]; user and password URL-decoded. */
export function imapTarget(url: string): ImapTarget {
  const u = new URL(url);
  if (u.protocol !== 'imap:' && u.protocol !== 'imaps:') throw new Error(`IMAP_URL must start with imap:// or imaps://, not ${u.protocol}//`);
  const secure = u.protocol === 'imaps:';
  const port = u.port ? Number(u.port) : secure ? 993 : 143;
  const user = decodeURIComponent(u.username);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port, secure, user, pass: decodeURIComponent(u.password), label: `${user}@${u.hostname}:${port}` };
}

/** A new client (never reused after a drop); IDLE only when the inbox loop asks for it. */
export function imapClient(target: ImapTarget, timeoutMs: number, socketTimeoutMs: number): ImapFlow {
  return new ImapFlow({
    host: target.host,
    port: target.port,
    secure: target.secure,
    auth: { user: target.user, pass: target.pass },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    // A backstop for a command stuck mid-answer (a FETCH of a large message has no deadline of ours).
    socketTimeout: socketTimeoutMs,
  });
}

export class ImapTimeout extends Error {}

/** `work`, or an ImapTimeout after `ms` ("NOOP did not answer within 15000 ms"); an abort rejects too. */
export function within<T>(work: Promise<T>, ms: number, what: string, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', aborted);
    };
    const aborted = () => {
      done();
      reject(new Error(`${what}: stopped`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new ImapTimeout(`${what} did not answer within ${ms} ms`));
    }, ms);
    if (signal?.aborted) return aborted();
    signal?.addEventListener('abort', aborted, { once: true });
    work.then(
      (v) => {
        done();
        resolve(v);
      },
      (err: unknown) => {
        done();
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/** An ImapFlow error as one line: its message, the server's own words and code; the password never. */
export function imapErrorText(err: unknown, target: ImapTarget): string {
  const e = err as Partial<Error & { responseText: string; serverResponseCode: string; code: string }>;
  const message = e?.message ?? String(err);
  const said = e?.responseText && !message.includes(e.responseText) ? e.responseText : undefined;
  // ImapFlow's "Command failed" says less than the server's own text beside it.
  let text = said ? (message === 'Command failed' ? said : `${message}: ${said}`) : message;
  const code = e?.serverResponseCode ?? e?.code;
  if (code && !text.includes(code)) text += ` (${code})`;
  return target.pass ? text.split(target.pass).join('***') : text;
}

/** Logs out politely if the server still answers in time; closes the socket either way. */
export async function closeClient(client: ImapFlow, timeoutMs: number): Promise<void> {
  if (client.usable) await within(client.logout(), timeoutMs, 'LOGOUT').catch(() => {});
  client.close();
}
