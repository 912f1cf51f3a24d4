import pino, { type DestinationStream, type Logger, type LoggerOptions as LoggerOptions_ } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { censorSecrets } from './log-secrets.js';

/** `json` for machines (CI, pipes, log shippers); `pretty` for a person at a terminal. */
export type LogFormat = 'json' | 'pretty';

/** An explicit format (SWITCHBOARD_LOG_FORMAT) wins; otherwise pretty exactly when stdout is a terminal. */
export function chooseLogFormat(requested: LogFormat | undefined, stdoutIsTTY: boolean | undefined): LogFormat {
  return requested ?? (stdoutIsTTY ? 'pretty' : 'json');
}

export interface LoggerOptions {
  /**
   * Write asynchronously (the server): JSON lines are gathered into writes of 4 KB or 250 ms,
   * whichever comes first, instead of a write per line (each a hop to libuv's thread pool, about
   * 80 µs of the hub's CPU per line on the bench's VM). pino writes what is left when the process
   * exits; call flushLogs before a planned exit. A person's terminal (pretty) gets every line at once.
   */
  buffered?: boolean;
  format?: LogFormat;
}

/**
 * pino's options for the hub's loggers: the level, and secrets censored in every line. (A child
 * logger's bindings are not: pino formats them apart. The hub binds identifiers only — a part, a
 * channel, a request id.)
 */
export function logOptions(level: string): LoggerOptions_ {
  return { level, formatters: { log: censorSecrets } };
}

const BUFFERED_JSON = { minLength: 4096, periodicFlush: 250 };

/** Structured logs to stdout; anything that could carry a secret is censored (see log-secrets.ts). */
export function createLogger(level: string, { buffered = false, format = 'json' }: LoggerOptions = {}): Logger {
  const options = logOptions(level);
  if (format === 'pretty') return pino(options, prettyStdout(buffered));
  return buffered ? pino(options, pino.destination({ dest: 1, sync: false, ...BUFFERED_JSON })) : pino(options);
}

/**
 * One line per entry (an error's stack excepted), coloured when the terminal supports it
 * (pino-pretty's rule: NO_COLOR, FORCE_COLOR and CI are honoured). The formatter runs in this
 * thread in front of the same stdout destination the JSON path uses, so flushLogs still drains
 * every line before the process exits (pino-pretty's own stream has no flush for pino to call,
 * and a worker transport would add a thread for nothing). Redaction has happened by then.
 */
function prettyStdout(buffered: boolean): DestinationStream {
  const stdout = pino.destination({ dest: 1, sync: !buffered });
  const prettify = prettyFactory({ ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l', singleLine: true });
  const stream: DestinationStream & Pick<typeof stdout, 'flush'> = {
    write: (line) => stdout.write(prettify(line)),
    flush: (done) => stdout.flush(done),
  };
  return stream;
}

export function flushLogs(log: Logger): Promise<void> {
  return new Promise((resolve) => log.flush(() => resolve()));
}
