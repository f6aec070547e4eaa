// How long one run of a SERVICE_CHECK_SCRIPT may take before it is stopped.
import type { CommonFields } from './check-settings.js';
import { durationMs } from './duration.js';
import type { Finding } from './findings.js';
import { finding } from './finding-codes.js';
import { shown } from './show.js';
import { TIMINGS } from '../timings.js';

/**
 * A run that outlasts its interval gains nothing (the next run is skipped) and holds a check slot
 * other containers wait for: an asked timeout is cut to the interval.
 */
export function scriptTimeoutMs(common: CommonFields, intervalMs: number, findings: Finding[]): number {
  const asked = common.Timeout ? durationMs(common.Timeout) : 0;
  if (asked <= 0) return Math.min(intervalMs, TIMINGS.scriptTimeoutMs);
  if (asked <= intervalMs) return asked;
  findings.push(
    finding(
      'script-timeout-cut',
      `SERVICE_CHECK_TIMEOUT ${shown(common.Timeout!)} is longer than SERVICE_CHECK_INTERVAL ${shown(common.Interval!)}: ` +
        `the check is stopped at ${durationText(intervalMs)}`,
      { label: 'SERVICE_CHECK_TIMEOUT' },
    ),
  );
  return intervalMs;
}

/** Milliseconds as a Go duration an operator would write: whole seconds as "10s". */
function durationText(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
