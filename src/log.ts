import pino, { type Logger } from 'pino';

/**
 * Structured logs; anything that could carry a secret is redacted by path. `buffered` (the server)
 * writes asynchronously, so a busy hub coalesces log lines instead of paying a syscall per line;
 * call flushLogs before exiting.
 */
export function createLogger(level: string, buffered = false): Logger {
  const options = {
    level,
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', '*.token', '*.secret', '*.apiKey', '*.password', 'config'],
      censor: '[redacted]',
    },
  };
  return buffered ? pino(options, pino.destination({ dest: 1, sync: false })) : pino(options);
}

export function flushLogs(log: Logger): Promise<void> {
  return new Promise((resolve) => log.flush(() => resolve()));
}
