import { TIMINGS } from '../timings.js';
import { within } from '../deadline.js';

export interface HealthSources {
  /** Resolves when Docker answers a ping. */
  pingDocker: () => Promise<unknown>;
  /** False while the Consul agent does not answer (consul/agent-watch.ts). */
  consulReachable: () => boolean;
  /** When the last full pass ended, if one has. */
  lastFullPass: () => number | undefined;
  /** A problem with Consul that concerns every container (a revoked token, rate limiting), if any. */
  consulProblem: () => string | undefined;
  resyncSeconds: number;
}

/**
 * /healthz: Docker and Consul answer, and a full pass ended recently (within a few --resync
 * periods). Docker gets a bounded wait: a hung daemon is reported, not waited for.
 */
export async function healthOf(s: HealthSources): Promise<{ ok: boolean } & Record<string, unknown>> {
  const answered = s.pingDocker().then(
    () => true,
    () => false,
  );
  const docker = await within(answered, TIMINGS.healthDockerPingMs, false);
  const consul = s.consulReachable();
  const last = s.lastFullPass();
  const age = last === undefined ? undefined : (Date.now() - last) / 1000;
  const fresh = age !== undefined && (s.resyncSeconds === 0 || age < TIMINGS.healthStalePasses * s.resyncSeconds);
  const consulProblem = s.consulProblem();
  return {
    ok: docker && consul && fresh && consulProblem === undefined,
    docker,
    consul,
    lastFullPassAgeSeconds: age,
    ...(consulProblem ? { consulProblem } : {}),
  };
}
