import { runPodmanHealthcheck, type Dialer } from './podman-health.js';

/** Which engine answers on DOCKER_HOST: dockerd, or Podman's Docker-compatible API service. */
export type Engine = 'docker' | 'podman';

/** Podman names itself among /version's components ("Podman Engine"); dockerd says "Engine". */
export function engineOf(version: { Components?: { Name?: string }[] }): Engine {
  return (version.Components ?? []).some((c) => /podman/i.test(c.Name ?? '')) ? 'podman' : 'docker';
}

/** What the registrar reads of /info. */
export interface EngineInfo {
  Name: string;
  SecurityOptions?: string[];
}

/** Both engines list "name=rootless" among /info's security options when they run rootless. */
export function isRootless(info: EngineInfo): boolean {
  return (info.SecurityOptions ?? []).some((o) => o.split(',').includes('name=rootless'));
}

/**
 * What differs between the engines, in one place (docs/podman.md): the registrar asks the profile,
 * never which engine answers. An in-memory engine in tests takes either profile.
 */
export interface EngineProfile {
  name: Engine;
  /** Why --events-audit cannot work on this engine (its event log answers no closed window in the past); undefined: it can. */
  auditOff?: string;
  /** Runs a HEALTHCHECK the engine has not run lately (checks/run-job.ts): for an engine that may never run them itself. */
  runHealthcheck?: (containerId: string) => Promise<void>;
}

/** The profile of the engine that answered, with Podman's own healthcheck call on this client. */
export function engineProfile(engine: Engine, docker: Dialer): EngineProfile {
  if (engine === 'docker') return { name: 'docker' };
  return {
    name: 'podman',
    auditOff:
      "Podman: --events-audit is off, as Podman's event log answers no closed window in the " +
      'past (docs/podman.md); the full pass every --resync repairs what the stream misses',
    runHealthcheck: (id) => runPodmanHealthcheck(docker, id),
  };
}
