// Checks that follow something other than the service itself: the container's own HEALTHCHECK,
// the registrar's liveness (--ttl), a paused container.
import type { HealthFact } from './facts.js';
import type { CheckDefinition, CheckJob } from './registration.js';

/**
 * Mirrors the container's Docker HEALTHCHECK, which the engine already runs: no exec is added.
 * Healthy is passing; unhealthy, and starting (no probe has passed yet), are critical.
 */
export function dockerHealthCheck(
  serviceId: string,
  containerId: string,
  pid: number,
  health: HealthFact,
): { check: CheckDefinition; job: CheckJob } {
  const checkId = `service:${serviceId}:docker-health`;
  return {
    check: {
      CheckID: checkId,
      Name: 'Docker HEALTHCHECK',
      TTL: `${2 * health.intervalMs + 10_000}ms`,
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
      intervalMs: health.intervalMs,
      timeoutMs: 10_000,
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
