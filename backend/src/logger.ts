import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON lines on stdout; no transport worker, so the bundled image needs nothing beside main.js. */
export function createLogger(level = 'info', name = 'backend'): Logger {
  return pino({
    name,
    level,
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.token'], censor: '[redacted]' },
  });
}
