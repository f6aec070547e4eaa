import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';
import type prettyFactory from 'pino-pretty';

export type LogFormat = 'auto' | 'json' | 'pretty';

/**
 * Logs on stderr (stdout is `plan`'s): JSON lines, or lines for a person when stderr is a terminal
 * (`auto`) or `--log-format pretty` says so; written synchronously either way, so nothing is lost
 * when the process exits. Anything that looks like a token is censored, wherever it is nested.
 */
export function createLogger(level: string, format: LogFormat = 'auto'): Logger {
  const options = {
    level,
    base: { app: 'consul-registrar' },
    redact: { paths: ['token', '*.token', '*.*.token', 'headers["x-consul-token"]', '*.headers["x-consul-token"]'], censor: '[redacted]' },
  };
  const human = format === 'pretty' || (format === 'auto' && process.stderr.isTTY === true);
  if (!human) return pino(options, pino.destination({ fd: 2, sync: true }));
  // Loaded only for a person's terminal: ~1.3 MiB of private memory a daemon logging JSON never needs (bench/burst.ts).
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof prettyFactory;
  return pino(options, pretty({ destination: 2, sync: true, colorize: process.stderr.isTTY === true, ignore: 'pid,hostname,app' }));
}
