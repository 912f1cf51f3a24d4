import pino, { type Logger } from 'pino';

/** Structured logs; anything that could carry a secret is redacted by path. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', '*.token', '*.secret', '*.apiKey', '*.password', 'config'],
      censor: '[redacted]',
    },
  });
}
