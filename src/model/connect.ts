// Consul Connect from labels: SERVICE_CONNECT=sidecar registers a `connect-proxy` service beside the
// container's own (at the container's address, so every sidecar on a routable-IP host can use the
// same port), SERVICE_CONNECT=native marks the service Connect-native. Pure.
import type { CheckDefinition, ProxyLimits, ProxySpec, ProxyUpstream, Registration } from './registration.js';
import { hostPort } from './address.js';
import { idProblem } from './service-id.js';
import { SIDECAR_SUFFIX } from './reserved-ids.js';
import { dnsSafeName } from './names.js';
import { splitList, type SettingMap } from './settings.js';
import type { Finding } from './findings.js';
import { finding } from './finding-codes.js';
import { shown } from './show.js';

/** Where sidecars listen unless SERVICE_CONNECT_PORT says otherwise (Consul's own first sidecar port). */
export const DEFAULT_SIDECAR_PORT = 21000;
/** Sidecars one container may have: each may be a proxy container the registrar starts on the host. */
export const MAX_SIDECARS = 8;
/** Upstreams one sidecar may have: each is a listener in the proxy and a watch on the agent. */
export const MAX_UPSTREAMS = 32;
const DATACENTER = /^[A-Za-z0-9_-]{1,64}$/;

export type ConnectMode = 'sidecar' | 'native';

/** SERVICE_CONNECT: sidecar, native, or nothing (absent, empty, "false", "none"). */
export function connectMode(settings: SettingMap, port: number, findings: Finding[]): ConnectMode | undefined {
  const value = settings.get('connect')?.trim().toLowerCase();
  if (value === undefined || value === '' || value === 'false' || value === 'none') return undefined;
  if (value === 'sidecar' || value === 'native') return value;
  findings.push(
    finding(
      'connect-mode-unknown',
      `port ${port}: SERVICE_CONNECT ${shown(settings.get('connect')!)} is not sidecar or native; it is registered without Connect`,
      {
        port,
        label: 'SERVICE_CONNECT',
      },
    ),
  );
  return undefined;
}

export interface SidecarRequest {
  parent: Registration;
  /** The port the sidecar listens on (see sidecarPort). */
  port: number;
  settings: SettingMap;
  /** The container's own ports: an upstream may not listen on one of them. */
  containerPorts: number[];
  findings: Finding[];
}

/**
 * The sidecar's registration: the app's service ID + "-sidecar-proxy" (Consul's own scheme, which
 * `consul connect proxy -sidecar-for` finds), at the app's address, with a TCP check of its own
 * listener (Consul's default would dial 127.0.0.1 on the agent's host) and an alias of the app.
 */
export function sidecarRegistration(r: SidecarRequest): Registration | undefined {
  const { parent, port, findings } = r;
  const id = `${parent.ID}${SIDECAR_SUFFIX}`;
  const problem = idProblem(id);
  if (problem !== undefined) {
    findings.push(
      finding('sidecar-id-refused', `port ${parent.Port}: the sidecar's service ID ${shown(id)} ${problem}; no sidecar is registered`, {
        port: parent.Port,
      }),
    );
    return undefined;
  }
  const target = hostPort(parent.Address, port);
  const checks: CheckDefinition[] = [
    { CheckID: `service:${id}:tcp`, Name: `sidecar listener ${target}`, TCP: target, Interval: '10s', Timeout: '2s' },
    { CheckID: `service:${id}:alias`, Name: `follows ${parent.ID}`, AliasService: parent.ID },
  ];
  const upstreams = parseUpstreams(r.settings.get('connect_upstreams') ?? '', [port, ...r.containerPorts], parent.Port, findings);
  return {
    ID: id,
    Name: `${parent.Name}${SIDECAR_SUFFIX}`,
    Kind: 'connect-proxy',
    Tags: parent.Tags,
    Address: parent.Address,
    Port: port,
    Meta: parent.Meta,
    Proxy: {
      DestinationServiceName: parent.Name,
      DestinationServiceID: parent.ID,
      // The proxy shares the app's network namespace: the app is on its loopback.
      LocalServiceAddress: '127.0.0.1',
      LocalServicePort: parent.Port,
      ...(upstreams.length > 0 ? { Upstreams: upstreams } : {}),
    },
    Checks: checks,
  };
}

/** SERVICE_CONNECT_PORT, else DEFAULT_SIDECAR_PORT plus the sidecar's index; undefined (with a finding) when unusable. */
export function sidecarPort(
  settings: SettingMap,
  index: number,
  appPort: number,
  taken: Set<number>,
  findings: Finding[],
): number | undefined {
  const given = settings.get('connect_port')?.trim();
  const port = given === undefined || given === '' ? DEFAULT_SIDECAR_PORT + index : Number(given);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    const text = `port ${appPort}: SERVICE_CONNECT_PORT ${shown(given ?? '')} is not a port number; no sidecar is registered`;
    findings.push(finding('sidecar-port-refused', text, { port: appPort, label: 'SERVICE_CONNECT_PORT' }));
    return undefined;
  }
  if (taken.has(port)) {
    const text = `port ${appPort}: the sidecar port ${port} is already used by this container; no sidecar is registered`;
    findings.push(finding('sidecar-port-taken', text, { port: appPort, label: 'SERVICE_CONNECT_PORT' }));
    return undefined;
  }
  return port;
}

/**
 * SERVICE_CONNECT_UPSTREAMS=db:5432,cache@dc2:6379: destination service name (optionally @datacenter)
 * and the port the proxy listens on in the container, on 127.0.0.1. Bad entries are left out.
 */
export function parseUpstreams(value: string, reserved: number[], appPort: number, findings: Finding[]): ProxyUpstream[] {
  const upstreams: ProxyUpstream[] = [];
  const used = new Set(reserved);
  const entries = splitList(value);
  if (entries.length > MAX_UPSTREAMS) {
    const text = `port ${appPort}: more than ${MAX_UPSTREAMS} SERVICE_CONNECT_UPSTREAMS; only the first ${MAX_UPSTREAMS} are kept`;
    findings.push(finding('too-many-upstreams', text, { port: appPort, label: 'SERVICE_CONNECT_UPSTREAMS' }));
  }
  for (const entry of entries.slice(0, MAX_UPSTREAMS)) {
    const m = /^([^@:]+)(?:@([^:]+))?:(\d{1,5})$/.exec(entry);
    const name = m?.[1] ?? '';
    const port = Number(m?.[3]);
    const problem = !m
      ? 'is not name:port or name@datacenter:port'
      : dnsSafeName(name) !== name
        ? 'names a service that is not DNS-safe'
        : m[2] !== undefined && !DATACENTER.test(m[2])
          ? 'names a datacenter that is not letters, digits, - and _'
          : port < 1 || port > 65535
            ? 'has no valid port'
            : used.has(port)
              ? `listens on port ${port}, which the container or another upstream already uses`
              : undefined;
    if (problem) {
      const text = `port ${appPort}: upstream ${shown(entry)} ${problem}; it is left out`;
      findings.push(finding('upstream-refused', text, { port: appPort, label: 'SERVICE_CONNECT_UPSTREAMS' }));
      continue;
    }
    used.add(port);
    upstreams.push({ DestinationName: name, LocalBindPort: port, ...(m![2] ? { Datacenter: m![2] } : {}) });
  }
  return upstreams;
}

/**
 * Labels on every proxy container the registrar starts: whose sidecar it is, which registrar
 * (host ID) keeps it, and the fingerprint of what it was started with.
 */
export const PROXY_LABELS = {
  app: 'consul-registrar.sidecar-for',
  host: 'consul-registrar.host',
  sidecar: 'consul-registrar.sidecar-id',
  fingerprint: 'consul-registrar.fingerprint',
  /** The accessor ID of the ACL token minted for the proxy, so it can be revoked when the proxy goes. */
  tokenAccessor: 'consul-registrar.token-accessor',
} as const;

/** Proxy container limits unless --connect-proxy-memory/-cpus/-pids say otherwise (docs/connect.md: measured). */
export const DEFAULT_PROXY_LIMITS: ProxyLimits = { memoryBytes: 128 * 2 ** 20, nanoCpus: 1e9, pids: 256 };

/** What the registrar knows of Connect on this host: the agent's support, and how to run proxies. */
export interface ConnectOptions {
  /** The agent has Connect enabled (GET /v1/agent/self: DebugConfig.ConnectEnabled). */
  enabled: boolean;
  /** --connect-proxy-image: the registrar runs each sidecar's proxy container itself. */
  proxy?: ProxyOptions;
}

export interface ProxyOptions {
  image: string;
  /** --connect-proxy-command, before the `-sidecar-for <service ID>` the registrar appends. */
  command: string[];
  /** --connect-proxy-consul-addr: the agent as containers reach it; default: the container network's gateway. */
  consulAddr?: string;
  /** The agent's HTTP port and scheme, for the default address. */
  agentPort: number;
  agentScheme: 'http' | 'https';
  /** --connect-proxy-token: one ACL token shared by every proxy (an opt-in for trusted authors), never the registrar's. */
  token?: string;
  /** ACLs are on and no token is shared: the registrar mints each proxy a token for its service alone. */
  ownTokens?: boolean;
  limits: ProxyLimits;
}

export interface ConnectRequest {
  parent: Registration;
  settings: SettingMap;
  /** Sidecars this container already has (for the default port), and the ports it uses. */
  index: number;
  taken: Set<number>;
  /** The gateway of the container's network: the default agent address for proxies. */
  gateway: string | undefined;
  app: { id: string; name: string; startedAt: string; several: boolean; cgroupParent?: string };
  options: ConnectOptions | undefined;
  findings: Finding[];
}

/** The parent as registered (Connect-native or not), and its sidecar and proxy, if it has them. */
export function applyConnect(r: ConnectRequest): { parent: Registration; sidecar?: Registration; proxy?: ProxySpec } {
  const { parent, findings } = r;
  const mode = connectMode(r.settings, parent.Port, findings);
  if (mode === undefined) return { parent };
  if (!r.options?.enabled) {
    const text = `port ${parent.Port}: SERVICE_CONNECT=${mode}, but the Consul agent has Connect disabled; registered without Connect`;
    findings.push(finding('connect-disabled', text, { port: parent.Port, label: 'SERVICE_CONNECT' }));
    return { parent };
  }
  if (mode === 'native') return { parent: { ...parent, Connect: { Native: true } } };
  if (r.index >= MAX_SIDECARS) {
    const text = `port ${parent.Port}: the container already has ${MAX_SIDECARS} sidecars, the most one container may have; registered without one`;
    findings.push(finding('too-many-sidecars', text, { port: parent.Port, label: 'SERVICE_CONNECT' }));
    return { parent };
  }
  const port = sidecarPort(r.settings, r.index, parent.Port, r.taken, findings);
  if (port === undefined) return { parent };
  r.taken.add(port);
  const sidecar = sidecarRegistration({ parent, port, settings: r.settings, containerPorts: [...r.taken], findings });
  if (!sidecar) return { parent };
  // Every proxy of the container shares its loopback: the next sidecar's listeners must not take these.
  for (const upstream of sidecar.Proxy?.Upstreams ?? []) r.taken.add(upstream.LocalBindPort);
  const proxy = r.options.proxy && proxySpec(r, sidecar, r.options.proxy);
  return { parent, sidecar, ...(proxy ? { proxy } : {}) };
}

function proxySpec(r: ConnectRequest, sidecar: Registration, options: ProxyOptions): ProxySpec | undefined {
  const agent = options.consulAddr ?? (r.gateway ? `${options.agentScheme}://${hostPort(r.gateway, options.agentPort)}` : undefined);
  if (agent === undefined) {
    const text = `port ${r.parent.Port}: its network has no gateway to reach the Consul agent through; no proxy is started`;
    r.findings.push(finding('proxy-no-gateway', text, { port: r.parent.Port }));
    return undefined;
  }
  return {
    appId: r.app.id,
    sidecarId: sidecar.ID,
    serviceId: r.parent.ID,
    serviceName: r.parent.Name,
    name: `${r.app.name}-sidecar-proxy${r.app.several ? `-${r.parent.Port}` : ''}`,
    image: options.image,
    cmd: [...options.command, '-sidecar-for', r.parent.ID],
    // A token of its own is minted when the proxy starts (reconcile/proxy-tokens.ts): it is in no plan.
    env: { CONSUL_HTTP_ADDR: agent, ...(options.token ? { CONSUL_HTTP_TOKEN: options.token } : {}) },
    ...(options.ownTokens && !options.token ? { ownToken: true } : {}),
    limits: options.limits,
    ...(r.app.cgroupParent ? { cgroupParent: r.app.cgroupParent } : {}),
    appStartedAt: r.app.startedAt,
  };
}
