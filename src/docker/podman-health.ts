import type Docker from 'dockerode';

type DialOptions = Parameters<Docker['modem']['dial']>[0];

/** The one call it needs of the client: docker-modem's public `dial` (dockerode's Docker has it). */
export interface Dialer {
  modem: { dial(options: DialOptions, callback: (err: unknown) => void): void };
}

/**
 * Runs a container's HEALTHCHECK now, through Podman's own API (its Docker-compatible one has no
 * such call; dockerode none either, so docker-modem's public `dial` sends it). Podman 4 schedules
 * health checks with systemd timers, so on a host without systemd it never runs them (measured,
 * docs/podman.md); this is what its timer would do, and the result lands in inspect's State.Health.
 */
export function runPodmanHealthcheck(docker: Dialer, containerId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      {
        path: `/v4.0.0/libpod/containers/${encodeURIComponent(containerId)}/healthcheck`,
        method: 'GET',
        options: {},
        statusCodes: { 200: true, 404: 'no such container', 409: 'container not running or without a healthcheck', 500: 'server error' },
      },
      (err: unknown) => (err ? reject(err instanceof Error ? err : new Error('Podman healthcheck failed')) : resolve()),
    );
  });
}
