// Checks that follow something other than the service itself: the container's own HEALTHCHECK,
// the registrar's liveness (--ttl), a paused container.
import { TIMINGS } from '../timings.js';
import { checkTtlMs } from './check-ttl.js';
import type { HealthFact } from './facts.js';
import type { CheckDefinition, CheckJob } from './registration.js';
import type { Finding } from './findings.js';
import { finding } from './finding-codes.js';

/**
 * Mirrors the container's Docker HEALTHCHECK, which the engine already runs: no exec is added.
 * Healthy is passing; unhealthy, and starting (no probe has passed yet), are critical. The image
 * sets the interval, so it is held to the script checks' bounds: each mirror run is an inspect and
 * a Consul update, and 1 ms would make a thousand a second per port.
 */
export function dockerHealthCheck(
  serviceId: string,
  containerId: string,
  pid: number,
  health: HealthFact,
  findings: Finding[],
): { check: CheckDefinition; job: CheckJob } {
  const checkId = `service:${serviceId}:docker-health`;
  const asked = Number.isFinite(health.intervalMs) ? health.intervalMs : 0;
  const intervalMs = Math.min(Math.max(asked, TIMINGS.checkIntervalMinMs), TIMINGS.checkIntervalMaxMs);
  // The same words for every port: the plan's findings are a set, so the container hears it once.
  if (intervalMs !== health.intervalMs)
    findings.push(
      finding(
        'healthcheck-interval-clamped',
        `its HEALTHCHECK interval (${asked} ms) is outside the ${TIMINGS.checkIntervalMinMs} ms to ${TIMINGS.checkIntervalMaxMs} ms ` +
          `the registrar follows; its mirrored check is refreshed every ${intervalMs} ms`,
      ),
    );
  return {
    check: {
      CheckID: checkId,
      Name: 'Docker HEALTHCHECK',
      TTL: `${checkTtlMs({ intervalMs, timeoutMs: TIMINGS.healthMirrorTimeoutMs })}ms`,
      Notes: "mirrors the container's Docker HEALTHCHECK",
    },
    job: {
      kind: 'docker-health',
      checkId,
      containerId,
      pid,
      user: '',
      env: {},
      argv: [],
      intervalMs,
      timeoutMs: TIMINGS.healthMirrorTimeoutMs,
    },
  };
}

/**
 * --ttl (what Registrator's -ttl promised; its Consul backend never refreshed anything): the
 * service's health also follows the registrar's own service, whose TTL check the registrar
 * refreshes (checks/heartbeat.ts), so every service of a host turns critical when its registrar
 * stops. An alias check: one refresh per period for the whole host, not one per service.
 */
export function registrarAliveCheck(serviceId: string, registrarServiceId: string): CheckDefinition {
  return { CheckID: `service:${serviceId}:registrar`, Name: 'consul-registrar running', AliasService: registrarServiceId };
}

/**
 * A paused container cannot answer, but comes back as it was: a critical check takes it out of
 * DNS while it is paused, and on unpause the registration without it restores the service (Consul
 * keeps the other checks' status when a service is registered again with them unchanged).
 */
export function pausedCheck(serviceId: string): CheckDefinition {
  return { CheckID: `service:${serviceId}:paused`, Name: 'container paused', TTL: '87600h', Status: 'critical' };
}
