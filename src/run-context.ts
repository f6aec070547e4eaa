import { networkInterfaces } from 'node:os';
import type { Logger } from 'pino';
import pRetry from 'p-retry';
import { registrarServiceId, type HeartbeatAgent, type RegistrarTtl } from './checks/heartbeat.js';
import type { ExecApi } from './checks/docker-exec.js';
import { ConfigError, validHostId, type Settings } from './config.js';
import { UnreachableError } from './config-error.js';
import { ConsulAgent, type AgentSelf } from './consul/agent.js';
import { capabilitiesOf, parseVersion, ttlWorksOn, versionWarning, type Capabilities } from './consul/capabilities.js';
import { connectConsul } from './consul/client.js';
import { connectDocker } from './docker/client.js';
import { engineOf, engineProfile, isRootless, type EngineInfo, type EngineProfile } from './docker/engine.js';
import type { EventSource } from './docker/events.js';
import { containerSource, runningContainerIds } from './docker/inspect.js';
import { DockerProxies } from './docker/proxies.js';
import type { AgentIdentity } from './consul/agent-watch.js';
import { describeError, isCertificateError } from './errors.js';
import { ipLiteral } from './model/address.js';
import type { PlanOptions } from './model/plan.js';
import type { ConnectOptions } from './model/connect.js';
import type { ContainerSource } from './reconcile/reconciler.js';
import type { TokenApi } from './reconcile/proxy-tokens.js';
import type { ServiceAgent } from './reconcile/service-agent.js';
import type { ProxyEngine } from './reconcile/sidecar-proxies.js';
import { TIMINGS } from './timings.js';

/** Which of the two daemons has answered so far, for /healthz while the registrar starts. */
export interface Reached {
  docker: boolean;
  consul: boolean;
}

/**
 * Everything the registrar asks of the Consul agent, each part through the interface it declares:
 * consul/agent.ts implements them all, an in-memory agent does in tests.
 */
export type RegistrarAgent = ServiceAgent & HeartbeatAgent & AgentIdentity & { readonly acl: TokenApi };

/**
 * What a run needs to know before its first pass: who we are and what the agent accepts, and the
 * engine and the agent as the parts ask for them (the real clients, or in-memory ones in tests).
 */
export interface RunContext {
  /** Docker with --docker-timeout on every request: /healthz's ping. */
  docker: { ping(): Promise<unknown> };
  /** Docker without it, for streams that are quiet by nature: events, a running exec. */
  dockerStreams: EventSource & ExecApi;
  consul: RegistrarAgent;
  source: ContainerSource;
  /** The Connect proxy containers (docker/proxies.ts). */
  proxies: ProxyEngine;
  /** How the model turns this host's containers into services. */
  model: PlanOptions;
  capabilities: Capabilities;
  /** dockerd or Podman, and what differs between them (docs/podman.md). */
  profile: EngineProfile;
  /** The agent's node ID at start, to notice a restarted agent that lost its state. */
  consulNodeId: string;
  /** --ttl, when it is on (the one place that decides it): the registrar's own service and its timings. */
  ttl?: RegistrarTtl & { serviceId: string };
}

/**
 * Connects to Docker and Consul, retrying with backoff until both answer (`once`: a single try,
 * an UnreachableError naming the setting to check otherwise), and settles the host ID, the host
 * address and the agent's capabilities.
 */
export async function connect(
  settings: Settings,
  log: Logger,
  reached: Reached = { docker: false, consul: false },
  once = false,
): Promise<RunContext> {
  const docker = connectDocker(settings.docker);
  const dockerStreams = connectDocker(settings.docker, false);
  const connection = connectConsul(settings.consul);
  const consul = new ConsulAgent(connection);
  if (settings.consul.skipVerify && connection.baseUrl.startsWith('https:')) {
    log.warn(
      { event: 'tls-unverified' },
      "--consul-ssl-verify=false / CONSUL_HTTP_SSL_VERIFY=false: Consul's TLS certificate is not verified; give CONSUL_CACERT instead outside tests",
    );
  }
  if (connection.token && tokenInTheClear(connection.baseUrl)) {
    log.warn(
      { event: 'token-in-clear' },
      `the Consul token goes over plain HTTP to ${new URL(connection.baseUrl).host}, which is not ` +
        `this machine: use https:// (CONSUL_HTTP_SSL, CONSUL_CACERT) or the local agent on 127.0.0.1`,
    );
  }
  const retry = <T>(what: string, fix: string, tlsFix: string, call: () => Promise<T>) =>
    once
      ? call().catch((err: unknown) => {
          throw new UnreachableError(`${what} not reachable: ${describeError(err)} (${fixFor(err, fix, tlsFix)})`);
        })
      : pRetry(call, {
          retries: Number.POSITIVE_INFINITY,
          minTimeout: TIMINGS.connectRetryMinMs,
          maxTimeout: TIMINGS.connectRetryMaxMs,
          onFailedAttempt: ({ error, attemptNumber }) =>
            log.warn(
              { event: 'retrying', dependency: what, cause: connectionCause(error), attempt: attemptNumber, err: describeError(error) },
              connectionCause(error) === 'tls-certificate'
                ? `${what}'s TLS certificate not accepted; retrying (${tlsFix})`
                : `${what} not reachable; retrying (${fixFor(error, fix, tlsFix)})`,
            ),
        });
  const [info, self] = await Promise.all([
    retry('Docker', `check --docker-host / DOCKER_HOST = ${settings.docker.host}`, 'check DOCKER_CERT_PATH (ca.pem)', async () => {
      const [info, version] = await Promise.all([docker.info() as Promise<EngineInfo>, docker.version()]);
      reached.docker = true;
      return { ...info, engine: engineOf(version), rootless: isRootless(info) };
    }),
    retry(
      'Consul',
      `check --consul-addr / CONSUL_HTTP_ADDR = ${settings.consul.addr}`,
      'give the CA that signed it in CONSUL_CACERT, and CONSUL_TLS_SERVER_NAME when the address is not a name in the certificate',
      async () => {
        const self = await consul.self();
        reached.consul = true;
        return self;
      },
    ),
  ]);
  const version = parseVersion(self.version);
  if (!version) throw new Error(`cannot read the Consul agent's version "${self.version}"`);
  if (info.rootless) {
    log.warn(
      `rootless ${info.engine === 'podman' ? 'Podman' : 'Docker'}: its container networks are not ` +
        `reachable from other hosts, so only host-network containers are registered (docs/podman.md)`,
    );
  }
  const warning = versionWarning(version);
  if (warning) log.warn({ event: 'consul-version', consul: version.join('.') }, warning);
  const hostId = settings.hostId ?? info.Name;
  if (!validHostId(hostId)) {
    throw new ConfigError(
      `Docker's host name "${hostId}" cannot be part of service IDs; set --host-id / REGISTRAR_HOST_ID to letters, digits, - _ and .`,
    );
  }
  const ttl =
    settings.registrarTtl && ttlWorksOn(version) ? { ...settings.registrarTtl, serviceId: registrarServiceId(hostId) } : undefined;
  if (settings.registrarTtl && !ttl) {
    log.warn(
      `--ttl is off: on Consul ${self.version} an alias check of a missing service passes, so ` +
        `services would not turn critical when the registrar is gone (upgrade Consul to 1.8 or later)`,
    );
  }
  const model: PlanOptions = {
    ...settings.model,
    hostId,
    // The agent's address only when it is one a service can be registered under.
    ...hostIpOf(settings.hostIp ?? self.address),
    get hostAddresses() {
      return hostAddresses();
    },
    ...(info.rootless ? { rootless: true } : {}),
    ...(ttl ? { registrarServiceId: ttl.serviceId } : {}),
    connect: connectOptions(settings, self, log),
  };
  return {
    docker,
    dockerStreams,
    consul,
    source: containerSource(docker),
    proxies: new DockerProxies(docker, () => runningContainerIds(docker)),
    model,
    capabilities: capabilitiesOf(version),
    profile: engineProfile(info.engine, docker),
    consulNodeId: self.nodeId,
    ...(ttl ? { ttl } : {}),
  };
}

/** Connect as the agent has it, and how proxy containers are run and reach the agent (--connect-proxy-*). */
function connectOptions(settings: Settings, self: AgentSelf, log: Logger): ConnectOptions {
  const proxy = settings.connectProxy;
  if (!proxy) return { enabled: self.connect };
  if (!self.connect) {
    log.warn(
      '--connect-proxy-image is set but the Consul agent has Connect disabled: no ' +
        'sidecar is registered or started (enable it with connect { enabled = true })',
    );
  }
  const [agentScheme, agentPort] = self.httpPort > 0 ? (['http', self.httpPort] as const) : (['https', self.httpsPort] as const);
  if (proxy.consulAddr === undefined && self.clientAddrs.length > 0 && self.clientAddrs.every(isLoopback)) {
    log.warn(
      `the Consul agent listens only on ${self.clientAddrs.join(' ')}, which proxy containers cannot reach: start ` +
        `it with -client '127.0.0.1 <the Docker bridge's gateway>' (client_addr), or set --connect-proxy-consul-addr`,
    );
  }
  if (self.acls && proxy.token) {
    log.warn(
      { event: 'shared-proxy-token' },
      '--connect-proxy-token: every Connect proxy on this host shares one ACL token, which each app beside a proxy can read and use as any ' +
        'service the token may write: only for hosts whose container authors are trusted (without it, each proxy gets a token for its own service)',
    );
  }
  return {
    enabled: self.connect,
    proxy: {
      image: proxy.image,
      command: proxy.command,
      agentScheme,
      agentPort,
      limits: proxy.limits,
      ...(proxy.consulAddr ? { consulAddr: proxy.consulAddr } : {}),
      ...(proxy.token ? { token: proxy.token } : self.acls ? { ownTokens: true } : {}),
    },
  };
}

function isLoopback(address: string): boolean {
  return address === 'localhost' || address === '::1' || address.startsWith('127.');
}

/** Why a connection failed, for the retry line's `cause`: the certificate, the socket's permissions, or anything else. */
function connectionCause(err: unknown): 'tls-certificate' | 'permission' | 'unreachable' {
  if (isCertificateError(err)) return 'tls-certificate';
  return (err as NodeJS.ErrnoException).code === 'EACCES' ? 'permission' : 'unreachable';
}

/** What to check for a failed connection: the certificate, the socket's permissions (the image runs as a user of its own), or the address. */
function fixFor(err: unknown, fix: string, tlsFix: string): string {
  const cause = connectionCause(err);
  if (cause === 'tls-certificate') return tlsFix;
  if (cause === 'permission') {
    return `permission denied: run the registrar with the socket's group, e.g. docker run --group-add $(stat -c %g /var/run/docker.sock); ${fix}`;
  }
  return fix;
}

/** A token sent over plain HTTP to an address off this machine: anyone on the path can read it. */
export function tokenInTheClear(baseUrl: string): boolean {
  const url = new URL(baseUrl);
  if (url.protocol !== 'http:') return false;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return !(host === 'localhost' || host === '::1' || /^127\./.test(host));
}

function hostIpOf(address: string): { hostIp?: string } {
  return ipLiteral(address) === 0 ? {} : { hostIp: address };
}

let interfaces: { at: number; addresses: string[] } | undefined;

/** Every address of every interface of the host (the registrar runs in the host's network namespace). */
function hostAddresses(): string[] {
  const now = Date.now();
  if (interfaces === undefined || now - interfaces.at > TIMINGS.hostAddressesMs) {
    const addresses = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
    interfaces = { at: now, addresses };
  }
  return interfaces.addresses;
}
