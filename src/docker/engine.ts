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
