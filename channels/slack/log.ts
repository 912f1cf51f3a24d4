// Bolt and the WebClient log through @slack/logger's interface; route that into the hub's pino logger.
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from 'pino';

function text(parts: unknown[]): string {
  return parts
    .map((p) => {
      if (p instanceof Error) return p.message;
      if (typeof p === 'string') return p;
      try {
        return JSON.stringify(p);
      } catch {
        return String(p);
      }
    })
    .join(' ');
}

/** pino decides the level; Bolt's setLevel/setName calls are accepted and ignored. */
export function boltLogger(log: Logger): BoltLogger {
  const child = log.child({ component: 'slack-sdk' });
  return {
    debug: (...m: unknown[]) => child.debug(text(m)),
    info: (...m: unknown[]) => child.info(text(m)),
    warn: (...m: unknown[]) => child.warn(text(m)),
    error: (...m: unknown[]) => child.error(text(m)),
    setLevel: () => undefined,
    getLevel: () => LogLevel.DEBUG,
    setName: () => undefined,
  };
}
