// What the model wants in Consul: the agent's service registration body, in Consul's own field
// names so that nothing is lost in translation between the model, the diff and the HTTP call.
import type { Finding } from './findings.js';
import type { SwarmTask } from './swarm-task.js';

export interface CheckDefinition {
  CheckID: string;
  Name: string;
  HTTP?: string;
  Method?: string;
  TLSSkipVerify?: boolean;
  TLSServerName?: string;
  TCP?: string;
  GRPC?: string;
  GRPCUseTLS?: boolean;
  Interval?: string;
  TTL?: string;
  Timeout?: string;
  Status?: 'passing' | 'warning' | 'critical';
  DeregisterCriticalServiceAfter?: string;
  Notes?: string;
  SuccessBeforePassing?: number;
  FailuresBeforeCritical?: number;
  /** An alias check: healthy exactly when this service on the same agent is. */
  AliasService?: string;
  /** HTTP checks: do not follow redirects (capability-gated: consul/capabilities.ts). */
  DisableRedirects?: boolean;
}

/** One upstream of a Connect sidecar: a listener on the app's loopback that reaches `DestinationName`. */
export interface ProxyUpstream {
  DestinationName: string;
  LocalBindPort: number;
  Datacenter?: string;
}

export interface Registration {
  ID: string;
  Name: string;
  /** A Connect sidecar (model/connect.ts); absent for an ordinary service. */
  Kind?: 'connect-proxy';
  Tags: string[];
  Address: string;
  Port: number;
  Meta: Record<string, string>;
  Checks: CheckDefinition[];
  Proxy?: {
    DestinationServiceName: string;
    DestinationServiceID: string;
    LocalServiceAddress: string;
    LocalServicePort: number;
    Upstreams?: ProxyUpstream[];
  };
  /** SERVICE_CONNECT=native: the application speaks Connect's mTLS itself. */
  Connect?: { Native: true };
  /** `lan`/`wan` (and their _ipv4/_ipv6 forms): the container's own pair and the one published on the host. */
  TaggedAddresses?: Record<string, { Address: string; Port: number }>;
  /** The SRV weights Consul DNS gives the service when passing and when warning. */
  Weights?: { Passing: number; Warning: number };
  /** SERVICE_ENABLE_TAG_OVERRIDE: tags others write to the catalog entry stay (Consul's anti-entropy leaves them). */
  EnableTagOverride?: true;
}

/**
 * A check the registrar runs itself and reports to Consul's TTL check `checkId`: a command inside
 * the container, or the result of the container's own Docker HEALTHCHECK.
 */
export interface CheckJob {
  kind: 'script' | 'docker-health';
  checkId: string;
  containerId: string;
  /** The container's main process on the host, where nsenter enters. */
  pid: number;
  /** The container's configured user (Config.User): the command runs as it, never as the registrar. */
  user: string;
  /** Variables the command gets on top of the container's own environment (SERVICE_IP, SERVICE_PORT). */
  env: Record<string, string>;
  /** The command, for scripts. */
  argv: string[];
  /** The command was written for a shell and runs through the container's /bin/sh -c. */
  shell?: boolean;
  intervalMs: number;
  timeoutMs: number;
}

/** A proxy container the registrar keeps running for one sidecar registration. */
export interface ProxyLimits {
  memoryBytes: number;
  /** CPUs in billionths (Docker's NanoCpus). */
  nanoCpus: number;
  pids: number;
}

export interface ProxySpec {
  appId: string;
  /** The sidecar's service ID: which of the app's proxies this is. */
  sidecarId: string;
  /** The app's service ID, which `-sidecar-for` names. */
  serviceId: string;
  /** The app's service name: the only service a token minted for this proxy acts as. */
  serviceName: string;
  /** The registrar mints this proxy an ACL token of its own (Consul ACLs on, no shared --connect-proxy-token). */
  ownToken?: boolean;
  /** Memory, CPU and PID limits of the proxy container. */
  limits: ProxyLimits;
  /** The app's cgroup parent, when it has one: the proxy is placed under it too. */
  cgroupParent?: string;
  /** Docker name (`<app>-sidecar-proxy`, `-<port>` when the app has several). */
  name: string;
  image: string;
  cmd: string[];
  env: Record<string, string>;
  /** When the app's current run started: a proxy joined an earlier run's network namespace is stale. */
  appStartedAt: string;
}

/** The model's answer for one container: its registrations, or why there are none. */
export interface ContainerPlan {
  containerId: string;
  containerName: string;
  /** The Swarm task it is, when it is one (model/swarm-task.ts). */
  swarmTask?: SwarmTask;
  registrations: Registration[];
  /** The checks of those registrations that the registrar runs itself, by check ID. */
  jobs: CheckJob[];
  /** Connect sidecar proxies the registrar runs for them (--connect-proxy-image). */
  proxies: ProxySpec[];
  /** Why the container is not registered at all (ignored, not running, no ports...), when it is not. */
  skipped?: Finding;
  /** What was refused, dropped or changed for it: problems with its labels or setup to fix. */
  findings: Finding[];
}

/** Meta keys that mark a service as owned by this registrar (see reconcile/ownership). */
export const OWNER_META = {
  host: 'registrar_host',
  container: 'registrar_container',
  hash: 'registrar_hash',
} as const;
