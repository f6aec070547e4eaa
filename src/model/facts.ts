// Plain facts about one container, as the docker/ layer reads them from `docker inspect`.
// The model works only on these, so that it can be tested on recorded JSON without a daemon.

export type Protocol = 'tcp' | 'udp' | 'sctp';

export interface PortFact {
  port: number;
  protocol: Protocol;
}

/** A container port published on the host (NetworkSettings.Ports): where clients outside the container networks reach it. */
export interface PublishedPortFact {
  port: number;
  protocol: Protocol;
  /** The host address it is bound to: '0.0.0.0' or '::' for every address. */
  hostIp: string;
  hostPort: number;
}

export interface NetworkFact {
  name: string;
  ipv4: string; // '' when the network gave none
  ipv6: string; // global IPv6 address, '' when none
  /** Prefix lengths of the container's subnets on this network (0 when unknown): SERVICE_IP must fall inside one. */
  ipv4PrefixLength: number;
  ipv6PrefixLength: number;
  /** The network's gateways (usually the Docker host itself): never a container's SERVICE_IP. */
  gateways: string[];
  /** The network's driver (overlay, macvlan, ...) where the docker/ layer read it (Swarm tasks); '' or absent when not. */
  driver?: string;
}

export interface ContainerFacts {
  id: string;
  name: string; // without Docker's leading '/'
  image: string; // the reference the container was created from (Config.Image)
  /** Config.Hostname, for the fork's tag templates; absent when the engine gave none. */
  hostname?: string;
  running: boolean;
  paused: boolean;
  exitCode: number;
  /** When its current run started (State.StartedAt): a proxy sharing an earlier run's network namespace is stale. */
  startedAt: string;
  /** 'bridge', 'host', 'none', a network name, or 'container:<id>' */
  networkMode: string;
  /** For 'container:<id>' mode these are the other container's networks. */
  networks: NetworkFact[];
  exposedPorts: PortFact[];
  env: Record<string, string>;
  labels: Record<string, string>;
  /** The container's main process on the host (0 when not running): where nsenter enters. */
  pid: number;
  /** The user its processes run as (Config.User: '', name, uid, name:group or uid:gid); checks run as it too. */
  user: string;
  /** The container's Docker HEALTHCHECK, when it has one. */
  health?: HealthFact;
  /** HostConfig.CgroupParent, when one was given: its proxies sit under the same parent. */
  cgroupParent?: string;
  /** Its ports published on the host, as the engine bound them (absent: none). */
  publishedPorts?: PublishedPortFact[];
}

export interface HealthFact {
  /** Docker's status: starting, healthy or unhealthy. */
  status: string;
  /** The output of the engine's last probe. */
  output: string;
  /** When the last probe ended (ms since the epoch); absent before the first. */
  lastProbeAt?: number;
  intervalMs: number;
}

/** What a die or destroy event tells about a container, so that Docker need not be asked. */
export interface StoppedHint {
  name: string;
  exitCode: number;
  removed: boolean;
}

/** A Connect proxy container the registrar started (model/connect.ts PROXY_LABELS), as Docker lists it. */
export interface ProxyFact {
  id: string;
  appId: string;
  sidecarId: string;
  fingerprint: string;
  running: boolean;
  /** The accessor of the ACL token minted for it (not a secret: the token is not readable with it alone). */
  tokenAccessor?: string;
}
