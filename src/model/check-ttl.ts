/**
 * The TTL of a check the registrar runs itself (a script, or a mirrored HEALTHCHECK): it outlasts
 * one late run (2 × interval + timeout), yet turns critical when the registrar is gone.
 */
export function checkTtlMs(job: { intervalMs: number; timeoutMs: number }): number {
  return 2 * job.intervalMs + job.timeoutMs;
}
