import type { ContainerInspectInfo } from 'dockerode';
import type { ContainerFacts, HealthFact, NetworkFact, PortFact, Protocol, PublishedPortFact } from '../model/facts.js';

/**
 * Reads the facts the model needs out of `docker inspect` JSON. `networksOf` is the inspect data
 * whose networks count: the container itself, or for `--network container:X` the container X.
 */
export function factsFromInspect(info: ContainerInspectInfo, networksOf: ContainerInspectInfo = info): ContainerFacts {
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    image: info.Config.Image,
    ...(info.Config.Hostname ? { hostname: info.Config.Hostname } : {}),
    running: info.State.Running,
    paused: info.State.Paused,
    exitCode: info.State.ExitCode,
    startedAt: info.State.StartedAt ?? '',
    networkMode: info.HostConfig.NetworkMode ?? 'default',
    networks: networkFacts(networksOf),
    exposedPorts: exposedPorts(info.Config.ExposedPorts),
    env: envMap(info.Config.Env ?? []),
    labels: info.Config.Labels ?? {},
    pid: info.State.Pid,
    user: info.Config.User ?? '',
    ...healthFact(info),
    ...(info.HostConfig.CgroupParent ? { cgroupParent: info.HostConfig.CgroupParent } : {}),
    ...publishedPorts(info.NetworkSettings.Ports),
  };
}

type PortBindings = Record<string, { HostIp?: string; HostPort?: string }[] | null | undefined> | undefined;

/** The engine's actual bindings (not HostConfig's requests: a port asked as "0" gets its number here). */
function publishedPorts(ports: PortBindings): { publishedPorts?: PublishedPortFact[] } {
  const published = Object.entries(ports ?? {}).flatMap(([key, bindings]) => {
    const [port, protocol = 'tcp'] = key.split('/');
    const n = Number(port);
    if (!Number.isInteger(n) || n <= 0) return [];
    return (bindings ?? []).flatMap((b) => {
      const hostPort = Number(b.HostPort);
      const fact = { port: n, protocol: protocol as Protocol, hostIp: b.HostIp ?? '', hostPort };
      return Number.isInteger(hostPort) && hostPort > 0 && hostPort <= 65535 ? [fact] : [];
    });
  });
  return published.length === 0 ? {} : { publishedPorts: published };
}

const DOCKER_DEFAULT_HEALTH_INTERVAL_MS = 30_000;

function healthFact(info: ContainerInspectInfo): { health?: HealthFact } {
  const state = info.State.Health;
  const test = info.Config.Healthcheck?.Test ?? [];
  // Podman's inspect has a State.Health (status "") for every container: only a configured test counts.
  if (!state || test.length === 0 || test[0] === 'NONE') return {};
  const interval = info.Config.Healthcheck?.Interval;
  const last = state.Log?.at(-1);
  const lastProbeAt = Date.parse(last?.End ?? '');
  return {
    health: {
      status: state.Status,
      output: last?.Output ?? '',
      intervalMs: interval ? interval / 1_000_000 : DOCKER_DEFAULT_HEALTH_INTERVAL_MS,
      ...(Number.isFinite(lastProbeAt) ? { lastProbeAt } : {}),
    },
  };
}

function networkFacts(info: ContainerInspectInfo): NetworkFact[] {
  return Object.entries(info.NetworkSettings.Networks ?? {}).map(([name, n]) => ({
    name,
    ipv4: n.IPAddress ?? '',
    ipv6: n.GlobalIPv6Address ?? '',
    ipv4PrefixLength: n.IPPrefixLen ?? 0,
    ipv6PrefixLength: n.GlobalIPv6PrefixLen ?? 0,
    gateways: [n.Gateway, n.IPv6Gateway].filter((g): g is string => typeof g === 'string' && g !== ''),
  }));
}

function exposedPorts(exposed: Record<string, unknown> | undefined): PortFact[] {
  return Object.keys(exposed ?? {}).flatMap((key) => {
    const [port, protocol = 'tcp'] = key.split('/');
    const n = Number(port);
    return Number.isInteger(n) && n > 0 ? [{ port: n, protocol: protocol as Protocol }] : [];
  });
}

/** KEY=VALUE lines into a map; a later duplicate wins, as in the container's own environment. */
function envMap(lines: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of lines) {
    const eq = line.indexOf('=');
    if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}
