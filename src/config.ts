import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ExecutorChoice } from './checks/run-job.js';
import type { ConsulSettings } from './consul/client.js';
import type { DockerSettings } from './docker/client.js';
import { ipLiteral, parseIpFamily, type IpFamily } from './model/address.js';
import { parseBool, splitList } from './model/settings.js';
import type { RegistrarTtl } from './checks/heartbeat.js';
import type { DeregisterMode } from './reconcile/reconciler.js';
import { DEFAULT_MAX_SERVICES } from './model/caps.js';
import { parseNamePolicy } from './model/name-policy.js';
import type { ModelSettings } from './model/plan.js';
import { DEFAULT_PROXY_LIMITS } from './model/connect.js';
import type { ProxyLimits } from './model/registration.js';
import { readSettingFile } from './setting-file.js';
import { ConfigError } from './config-error.js';
import type { LogFormat } from './log.js';
import { translateRegistratorArgs, type Note } from './registrator-args.js';
import { nearestName } from './nearest-name.js';
import { TIMINGS } from './timings.js';

/**
 * Every setting is a flag and an environment variable. Defaults follow Docker's and Consul's own
 * variables, so a shell that works with `docker` and `consul` works with the registrar too.
 */
interface OptionSpec {
  env: string;
  type: 'string' | 'boolean';
  default?: string;
  help: string;
  /** Secret: never printed, not even in --help's defaults. */
  secret?: boolean;
}

export const OPTIONS = {
  'docker-host': {
    env: 'DOCKER_HOST',
    type: 'string',
    default: 'unix:///var/run/docker.sock',
    help: "Docker engine address; without it, /var/run/docker.sock, or Registrator's /tmp/docker.sock if only that exists",
  },
  'docker-tls-verify': { env: 'DOCKER_TLS_VERIFY', type: 'boolean', default: 'false', help: 'use TLS with the Docker engine (tcp://)' },
  'docker-cert-path': { env: 'DOCKER_CERT_PATH', type: 'string', help: 'folder with ca.pem, cert.pem, key.pem for Docker TLS' },
  'docker-api-version': {
    env: 'DOCKER_API_VERSION',
    type: 'string',
    help: "Docker API version to speak, e.g. 1.44, as for the docker CLI; without it, the engine's own (no version in the path)",
  },
  'docker-timeout': {
    env: 'REGISTRAR_DOCKER_TIMEOUT',
    type: 'string',
    default: '10',
    help: 'seconds a request to Docker may stay silent before it is abandoned (the event stream and running checks excepted)',
  },
  'consul-addr': {
    env: 'CONSUL_HTTP_ADDR',
    type: 'string',
    default: '127.0.0.1:8500',
    help: 'local Consul agent, host:port or http(s)://host:port',
  },
  'consul-timeout': {
    env: 'REGISTRAR_CONSUL_TIMEOUT',
    type: 'string',
    default: '10',
    help: 'seconds a request to the Consul agent may take before it is abandoned',
  },
  'consul-ssl': { env: 'CONSUL_HTTP_SSL', type: 'boolean', default: 'false', help: 'use HTTPS when --consul-addr has no scheme' },
  'consul-token': { env: 'CONSUL_HTTP_TOKEN', type: 'string', secret: true, help: 'Consul ACL token' },
  'consul-token-file': { env: 'CONSUL_HTTP_TOKEN_FILE', type: 'string', help: 'file holding the Consul ACL token' },
  'consul-cacert': { env: 'CONSUL_CACERT', type: 'string', help: 'CA certificate to verify Consul HTTPS with' },
  'consul-client-cert': { env: 'CONSUL_CLIENT_CERT', type: 'string', help: 'client certificate for Consul HTTPS' },
  'consul-client-key': { env: 'CONSUL_CLIENT_KEY', type: 'string', help: 'client key for Consul HTTPS' },
  'consul-tls-server-name': { env: 'CONSUL_TLS_SERVER_NAME', type: 'string', help: "server name to verify in Consul's certificate" },
  'consul-ssl-verify': {
    env: 'CONSUL_HTTP_SSL_VERIFY',
    type: 'boolean',
    default: 'true',
    help: "verify Consul's certificate (false only for tests)",
  },
  'host-id': {
    env: 'REGISTRAR_HOST_ID',
    type: 'string',
    help: "this host in service IDs and ownership; default: the Docker engine's host name",
  },
  'host-ip': { env: 'REGISTRAR_HOST_IP', type: 'string', help: "address for host-network containers; default: the Consul agent's address" },
  network: { env: 'REGISTRAR_NETWORK', type: 'string', help: 'network whose address is used when a container is on several' },
  'ip-family': {
    env: 'REGISTRAR_IP_FAMILY',
    type: 'string',
    default: 'ipv4',
    help: 'ipv4 or ipv6 (4, 6): which address of a dual-stack network to register (label SERVICE_IP_FAMILY per container)',
  },
  explicit: { env: 'REGISTRAR_EXPLICIT', type: 'boolean', default: 'false', help: 'register only services with a SERVICE_NAME' },
  tags: { env: 'REGISTRAR_TAGS', type: 'string', default: '', help: 'comma-separated tags added to every service' },
  resync: { env: 'REGISTRAR_RESYNC', type: 'string', default: '30', help: 'seconds between full passes (0: only at start and reconnect)' },
  deregister: {
    env: 'REGISTRAR_DEREGISTER',
    type: 'string',
    default: 'always',
    help: 'always, or on-success: keep services of containers that exited non-zero',
  },
  'replace-registrator': {
    env: 'REGISTRAR_REPLACE_REGISTRATOR',
    type: 'boolean',
    default: 'false',
    help:
      "take over what Registrator registered for this host's running containers: " +
      "ours first, then Registrator's entry removed (or, under the same ID, adopted)",
  },
  'enable-script-checks': {
    env: 'REGISTRAR_ENABLE_SCRIPT_CHECKS',
    type: 'boolean',
    default: 'false',
    help: 'run SERVICE_CHECK_SCRIPT commands inside containers (Consul itself never runs them)',
  },
  'script-executor': {
    env: 'REGISTRAR_SCRIPT_EXECUTOR',
    type: 'string',
    default: 'auto',
    help:
      "docker or auto (Docker's exec API: the container's user, capabilities, seccomp), " +
      'or nsenter (trusted container authors only: ~10x cheaper; root, --pid host)',
  },
  'max-services': {
    env: 'REGISTRAR_MAX_SERVICES',
    type: 'string',
    default: String(DEFAULT_MAX_SERVICES),
    help: 'services one container may have (its lowest ports); more are left out with a warning',
  },
  'ip-from-label': {
    env: 'REGISTRAR_IP_FROM_LABEL',
    type: 'string',
    help:
      "a label whose value (address or address/prefix) is used as the container's " +
      "SERVICE_IP, checked the same way (Registrator's -useIpFromLabel)",
  },
  'allow-any-service-ip': {
    env: 'REGISTRAR_ALLOW_ANY_SERVICE_IP',
    type: 'boolean',
    default: 'false',
    help: "let SERVICE_IP name addresses outside the container's own networks (loopback, link-local and multicast never)",
  },
  'swarm-overlay': {
    env: 'REGISTRAR_SWARM_OVERLAY',
    type: 'boolean',
    default: 'false',
    help: "register a Swarm task's overlay network address (reachable only from that overlay); off: only routable networks (macvlan, ipvlan)",
  },
  'check-http-methods': {
    env: 'REGISTRAR_CHECK_HTTP_METHODS',
    type: 'string',
    default: 'GET,HEAD',
    help: 'HTTP methods SERVICE_CHECK_HTTP_METHOD may ask for',
  },
  'meta-from-env': {
    env: 'REGISTRAR_META_FROM_ENV',
    type: 'boolean',
    default: 'true',
    help: 'take service Meta from SERVICE_* image ENV too, as Registrator (false: from labels only)',
  },
  'name-policy': {
    env: 'REGISTRAR_NAME_POLICY',
    type: 'string',
    help: 'JSON file saying which containers may use which service names and tags (see docs/security.md)',
  },
  'connect-proxy-image': {
    env: 'REGISTRAR_CONNECT_PROXY_IMAGE',
    type: 'string',
    help:
      'run a Connect proxy container (this image) for every SERVICE_CONNECT=sidecar service, ' +
      "in its container's network namespace; default: none, the operator runs proxies",
  },
  'connect-proxy-command': {
    env: 'REGISTRAR_CONNECT_PROXY_COMMAND',
    type: 'string',
    default: 'consul connect proxy',
    help: "the proxy's command, words separated by spaces; `-sidecar-for <service ID>` is appended (Envoy: consul connect envoy)",
  },
  'connect-proxy-consul-addr': {
    env: 'REGISTRAR_CONNECT_PROXY_CONSUL_ADDR',
    type: 'string',
    help: "the Consul agent as proxy containers reach it (CONSUL_HTTP_ADDR in them); default: their network's gateway, at the agent's port",
  },
  'connect-proxy-token': {
    env: 'REGISTRAR_CONNECT_PROXY_TOKEN',
    type: 'string',
    secret: true,
    help: "ACL token given to proxy containers (never the registrar's own)",
  },
  'connect-proxy-token-file': {
    env: 'REGISTRAR_CONNECT_PROXY_TOKEN_FILE',
    type: 'string',
    help: 'file holding the ACL token given to proxy containers',
  },
  'connect-proxy-memory': {
    env: 'REGISTRAR_CONNECT_PROXY_MEMORY',
    type: 'string',
    default: String(DEFAULT_PROXY_LIMITS.memoryBytes / 2 ** 20),
    help: "MiB of memory each proxy container may use (Consul's built-in proxy uses ~20 MiB, Envoy more)",
  },
  'connect-proxy-cpus': {
    env: 'REGISTRAR_CONNECT_PROXY_CPUS',
    type: 'string',
    default: String(DEFAULT_PROXY_LIMITS.nanoCpus / 1e9),
    help: 'CPUs each proxy container may use (as docker run --cpus)',
  },
  'connect-proxy-pids': {
    env: 'REGISTRAR_CONNECT_PROXY_PIDS',
    type: 'string',
    default: String(DEFAULT_PROXY_LIMITS.pids),
    help: 'processes and threads each proxy container may have (as docker run --pids-limit)',
  },
  'script-concurrency': { env: 'REGISTRAR_SCRIPT_CONCURRENCY', type: 'string', default: '16', help: 'script checks run at once' },
  'docker-exec-rate': {
    env: 'REGISTRAR_DOCKER_EXEC_RATE',
    type: 'string',
    default: String(TIMINGS.dockerExecsPerSecond),
    help: 'Docker execs a second for all script checks of the host, shared between containers (dockerd saturates near 30)',
  },
  ttl: {
    env: 'REGISTRAR_TTL',
    type: 'string',
    default: '0',
    help: 'seconds: every service follows a TTL check this registrar refreshes, so they all go critical when it stops (0: none)',
  },
  'ttl-refresh': {
    env: 'REGISTRAR_TTL_REFRESH',
    type: 'string',
    help: 'seconds between refreshes of that TTL check (at least 0.5); default: a third of --ttl',
  },
  'docker-health': {
    env: 'REGISTRAR_DOCKER_HEALTH',
    type: 'boolean',
    default: 'true',
    help: "mirror each container's Docker HEALTHCHECK as a TTL check",
  },
  'deregister-on-exit': {
    env: 'REGISTRAR_DEREGISTER_ON_EXIT',
    type: 'boolean',
    default: 'false',
    help: 'remove every registration on SIGTERM (default: keep them, so an upgrade causes no flap)',
  },
  'agent-poll': {
    env: 'REGISTRAR_AGENT_POLL',
    type: 'string',
    default: '1',
    help: 'seconds between checks that the Consul agent is up and has not lost its state',
  },
  'events-audit': {
    env: 'REGISTRAR_EVENTS_AUDIT',
    type: 'string',
    default: '60',
    help: "seconds between checks that the Docker event stream still delivers what Docker's event log holds (0: never)",
  },
  concurrency: { env: 'REGISTRAR_CONCURRENCY', type: 'string', default: '8', help: 'containers synced at once in a full pass' },
  'http-addr': {
    env: 'REGISTRAR_HTTP_ADDR',
    type: 'string',
    default: '127.0.0.1:9480',
    help: "where /healthz and /metrics are served (the flag --http-addr='' turns them off)",
  },
  'log-level': { env: 'REGISTRAR_LOG_LEVEL', type: 'string', default: 'info', help: 'trace, debug, info, warn or error' },
  'log-format': {
    env: 'REGISTRAR_LOG_FORMAT',
    type: 'string',
    default: 'auto',
    help: 'json, pretty (lines for a person), or auto: pretty when stderr is a terminal',
  },
  json: { env: 'REGISTRAR_JSON', type: 'boolean', default: 'false', help: 'plan: print JSON instead of lines for a person' },
  'compare-with': {
    env: 'REGISTRAR_COMPARE_WITH',
    type: 'string',
    default: 'registrator',
    help: 'plan: say where the result differs from gliderlabs Registrator 7 (registrator), the fayrus/registrator fork (fork), or both',
  },
  help: { env: '', type: 'boolean', help: 'print this help and exit (also -h)' },
  version: { env: '', type: 'boolean', help: 'print the version and exit' },
} satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;
export type RawConfig = Partial<Record<OptionName, string>>;

export { ConfigError };

/**
 * Flags win over environment variables, which win over defaults. Registrator's command line is
 * read too (registrator-args.ts); `notes` says what its flags do here, for the log.
 */
export function readConfig(
  argv: string[],
  env: NodeJS.ProcessEnv,
): { command: string; values: RawConfig; notes: Note[]; container?: string } {
  const translated = translateRegistratorArgs(argv, env, (name) => (OPTIONS as Record<string, OptionSpec>)[name]?.type === 'string');
  argv = translated.args;
  env = { ...env, ...translated.env };
  const spec = Object.fromEntries(Object.entries(OPTIONS).map(([name, o]) => [name, { type: o.type }]));
  // Node 20's parseArgs has no --flag=false for booleans: take those out before it sees them.
  const booleanValues: Record<string, string> = {};
  const args = argv.filter((arg) => {
    const m = /^--([a-z-]+)=(.*)$/.exec(arg);
    if (!m || (OPTIONS as Record<string, OptionSpec>)[m[1]!]?.type !== 'boolean') return true;
    booleanValues[m[1]!] = m[2]!;
    return false;
  });
  let parsed;
  try {
    parsed = parseArgs({ args, options: spec as never, allowPositionals: true, strict: true });
  } catch (err) {
    throw new ConfigError(`${unknownFlagMessage(err) ?? (err as Error).message}; see --help`);
  }
  const values: RawConfig = {};
  for (const [name, o] of Object.entries(OPTIONS) as [OptionName, OptionSpec][]) {
    const flag = booleanValues[name] ?? (parsed.values as Record<string, string | boolean | undefined>)[name];
    const value = flag !== undefined ? String(flag) : (o.env && env[o.env]) || (name === 'docker-host' ? defaultDockerHost() : o.default);
    if (value !== undefined) values[name] = value;
  }
  const [command = 'run', ...rest] = parsed.positionals;
  // `plan NAME` looks at one container (its name or ID); the other commands take no argument.
  const extra = command === 'plan' ? rest.slice(1) : rest;
  if (extra.length > 0 || !['run', 'plan', 'healthcheck'].includes(command)) {
    throw new ConfigError(
      `unknown command "${parsed.positionals.join(' ')}"; the commands are run (default), plan [CONTAINER] and healthcheck`,
    );
  }
  return { command, values, notes: translated.notes, ...(command === 'plan' && rest[0] ? { container: rest[0] } : {}) };
}

/** parseArgs' unknown-option error said plainly, with the flag one edit away when there is one. */
function unknownFlagMessage(err: unknown): string | undefined {
  if ((err as { code?: string }).code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return undefined;
  const flag = /'(-[^']*)'/.exec((err as Error).message)?.[1];
  if (!flag) return undefined;
  const name = flag.replace(/^--?/, '').replace(/=.*$/, '');
  const near = nearestName(name, Object.keys(OPTIONS));
  return `unknown flag ${flag}${near ? ` (did you mean --${near}?)` : ''}`;
}

/** Docker's socket where Docker puts it, or where Registrator's documentation mounts it (`-v /var/run/docker.sock:/tmp/docker.sock`). */
function defaultDockerHost(): string {
  const dockers = ['/var/run/docker.sock', '/tmp/docker.sock'];
  return `unix://${dockers.find((path) => existsSync(path)) ?? dockers[0]}`;
}

export function helpText(): string {
  const rows = Object.entries(OPTIONS as Record<string, OptionSpec>).map(([name, o]) => {
    const env = o.env ? `  [env ${o.env}]` : '';
    const def = o.default !== undefined && o.default !== '' ? `  (default ${o.default})` : '';
    return `  --${name}${o.type === 'string' ? ' VALUE' : ''}\n      ${o.help}${env}${def}`;
  });
  return [
    'Usage: consul-registrar [run|plan [CONTAINER]|healthcheck] [flags]',
    "       consul-registrar [Registrator's flags] consul://host:port   (Registrator's command line, read as the flags below)",
    '',
    '  run   keep Consul in step with the running containers (default)',
    '  plan  print what would be registered for each running container (or just CONTAINER, a name or ID), then exit',
    '',
    'Flags (each also read from the environment variable shown; flags win):',
    ...rows,
    '',
    'Boolean flags take --flag or --flag=false; environment values true/false, 1/0.',
  ].join('\n');
}

export interface Settings {
  docker: DockerSettings;
  consul: ConsulSettings;
  /** How containers become services; the run adds what it learns at start (run-context.ts). */
  model: ModelSettings;
  /** --host-id; the run falls back to Docker's host name. */
  hostId?: string;
  /** --host-ip; the run falls back to the Consul agent's address. */
  hostIp?: string;
  resyncSeconds: number;
  deregister: DeregisterMode;
  deregisterOnExit: boolean;
  replaceRegistrator: boolean;
  scriptExecutor: ExecutorChoice;
  scriptConcurrency: number;
  dockerExecRate: number;
  /** --ttl and --ttl-refresh, when --ttl is set. */
  registrarTtl?: RegistrarTtl;
  agentPollSeconds: number;
  eventsAuditSeconds: number;
  concurrency: number;
  logLevel: string;
  logFormat: LogFormat;
  httpAddr?: string;
  /** --connect-proxy-*: when set, the registrar runs sidecar proxy containers. */
  connectProxy?: ConnectProxySettings;
  /** plan --compare-with: whose registrations the plan is compared with (always set by toSettings). */
  compareWith?: CompareWith;
}

export type CompareWith = 'registrator' | 'fork' | 'both';

export interface ConnectProxySettings {
  image: string;
  command: string[];
  consulAddr?: string;
  token?: string;
  limits: ProxyLimits;
}

/** Every setting at its default: what a run with no flags and no environment would use. */
export function defaultSettings(): Settings {
  return toSettings(readConfig([], {}).values);
}

/** Typed, checked settings, each part's own settings object; a ConfigError names the flag and variable to fix. */
export function toSettings(v: RawConfig): Settings {
  const optional = (name: OptionName) => (v[name] === undefined || v[name] === '' ? undefined : v[name]);
  const settings: Settings = {
    docker: {
      host: v['docker-host']!,
      timeoutMs: seconds(v, 'docker-timeout'),
      tlsVerify: bool(v, 'docker-tls-verify'),
      ...defined({ certPath: optional('docker-cert-path'), apiVersion: optional('docker-api-version') }),
    },
    consul: {
      addr: v['consul-addr']!,
      timeoutMs: seconds(v, 'consul-timeout'),
      ssl: bool(v, 'consul-ssl'),
      skipVerify: !bool(v, 'consul-ssl-verify'),
      ...defined({
        token: optional('consul-token'),
        tokenFile: optional('consul-token-file'),
        caCert: optional('consul-cacert'),
        clientCert: optional('consul-client-cert'),
        clientKey: optional('consul-client-key'),
        tlsServerName: optional('consul-tls-server-name'),
      }),
    },
    model: {
      ...defined({ network: optional('network'), ipFromLabel: optional('ip-from-label') }),
      ipFamily: ipFamily(v),
      anyServiceIp: bool(v, 'allow-any-service-ip'),
      explicit: bool(v, 'explicit'),
      tags: splitList(v.tags ?? ''),
      scriptChecks: bool(v, 'enable-script-checks'),
      dockerHealth: bool(v, 'docker-health'),
      maxServices: number(v, 'max-services', 1, true),
      swarmOverlay: bool(v, 'swarm-overlay'),
      metaFromEnv: bool(v, 'meta-from-env'),
      httpMethods: httpMethods(v),
      ...namePolicy(optional('name-policy')),
    },
    ...defined({ hostId: optional('host-id'), hostIp: hostIp(optional('host-ip')), httpAddr: optional('http-addr') }),
    ...registrarTtl(v),
    resyncSeconds: number(v, 'resync', 0),
    deregister: oneOf(v, 'deregister', ['always', 'on-success'] as const),
    deregisterOnExit: bool(v, 'deregister-on-exit'),
    replaceRegistrator: bool(v, 'replace-registrator'),
    scriptExecutor: oneOf(v, 'script-executor', ['auto', 'docker', 'nsenter'] as const),
    scriptConcurrency: number(v, 'script-concurrency', 1, true),
    dockerExecRate: number(v, 'docker-exec-rate', 0.1, false, 1000),
    ...connectProxy(v, optional),
    agentPollSeconds: number(v, 'agent-poll', 0.1),
    eventsAuditSeconds: number(v, 'events-audit', 0, false, 86_400),
    concurrency: number(v, 'concurrency', 1, true),
    logLevel: oneOf(v, 'log-level', ['trace', 'debug', 'info', 'warn', 'error'] as const),
    logFormat: oneOf(v, 'log-format', ['auto', 'json', 'pretty'] as const),
    compareWith: oneOf(v, 'compare-with', ['registrator', 'fork', 'both'] as const),
  };
  if (settings.hostId !== undefined && !validHostId(settings.hostId)) {
    throw new ConfigError(
      `${where('host-id')} is "${settings.hostId}": write letters, digits, - _ and . only (it is part of every service ID)`,
    );
  }
  if (!/^(unix|tcp|https?):\/\//.test(settings.docker.host)) {
    throw new ConfigError(`--docker-host / DOCKER_HOST "${settings.docker.host}" must start with unix:// or tcp://`);
  }
  if (settings.docker.apiVersion !== undefined && !/^\d{1,2}\.\d{1,3}$/.test(settings.docker.apiVersion)) {
    throw new ConfigError(`${where('docker-api-version')} is "${settings.docker.apiVersion}": write a version such as 1.44`);
  }
  return settings;
}

function where(name: OptionName): string {
  const env = (OPTIONS as Record<string, OptionSpec>)[name]!.env;
  return env ? `--${name} / ${env}` : `--${name}`;
}

function bool(v: RawConfig, name: OptionName): boolean {
  const value = v[name] ?? 'false';
  // An empty value (--flag=) is a mistake to report, not a quiet "off".
  const parsed = value.trim() === '' ? undefined : parseBool(value);
  if (parsed === undefined) throw new ConfigError(`${where(name)} is "${v[name]}": write true or false`);
  return parsed;
}

/** A deadline in seconds, as ms: from 0.1 s (anything shorter fails on a busy host) to an hour. */
function seconds(v: RawConfig, name: OptionName): number {
  const s = number(v, name, 0.1);
  if (s > 3600) throw new ConfigError(`${where(name)} is "${v[name]}": write at most 3600 seconds`);
  return Math.round(s * 1000);
}

function number(v: RawConfig, name: OptionName, min: number, whole = false, max = Infinity): number {
  const text = (v[name] ?? '').trim();
  const n = Number(text);
  if (text === '' || !Number.isFinite(n) || n < min || n > max || (whole && !Number.isInteger(n))) {
    const range = max === Infinity ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new ConfigError(`${where(name)} is "${v[name]}": write a ${whole ? 'whole ' : ''}number ${range}`);
  }
  return n;
}

/**
 * --ttl with its --ttl-refresh: a third of the TTL unless given, at least half a second, and
 * shorter than the TTL. Without a TTL the refresh is unused (so a flag can turn off what the
 * environment turned on).
 */
function registrarTtl(v: RawConfig): Pick<Settings, 'registrarTtl'> {
  const ttl = number(v, 'ttl', 0);
  if (ttl === 0) return {};
  if (ttl < 1 || ttl > 86_400) throw new ConfigError(`${where('ttl')} is "${v.ttl}": write 0 (no TTL check) or 1 to 86400 seconds`);
  const ttlMs = Math.round(ttl * 1000);
  const given = v['ttl-refresh'] !== undefined && v['ttl-refresh'] !== '';
  const refreshMs = given ? Math.round(number(v, 'ttl-refresh', 0.5) * 1000) : Math.max(500, Math.round(ttlMs / 3));
  if (refreshMs >= ttlMs) {
    throw new ConfigError(
      `${where('ttl-refresh')} (${refreshMs / 1000} s) must be shorter than ` +
        `${where('ttl')} (${ttlMs / 1000} s), or the check expires between refreshes`,
    );
  }
  return { registrarTtl: { ttlMs, refreshMs } };
}

/** A host ID that can stand in service IDs (model/service-id.ts) and cannot be confused with their other parts. */
export function validHostId(hostId: string): boolean {
  return /^[A-Za-z0-9_.-]{1,64}$/.test(hostId) && !/^\.+$/.test(hostId);
}

function httpMethods(v: RawConfig): string[] {
  const methods = splitList(v['check-http-methods'] ?? '').map((m) => m.toUpperCase());
  if (methods.length === 0 || methods.some((m) => !/^[A-Z]{1,16}$/.test(m))) {
    throw new ConfigError(
      `${where('check-http-methods')} is "${v['check-http-methods']}": write HTTP methods separated by commas, e.g. GET,HEAD`,
    );
  }
  return methods;
}

function namePolicy(path: string | undefined): Pick<ModelSettings, 'namePolicy'> {
  if (path === undefined) return {};
  const text = readSettingFile(path, where('name-policy')).toString('utf8');
  try {
    return { namePolicy: parseNamePolicy(text) };
  } catch (err) {
    throw new ConfigError(
      `${path}, named by ${where('name-policy')}, is not a name policy: ${(err as Error).message} (see docs/security.md)`,
    );
  }
}

/** --connect-proxy-*: the image turns the rest on; the token is read from its file once, at start. */
function connectProxy(v: RawConfig, optional: (name: OptionName) => string | undefined): Pick<Settings, 'connectProxy'> {
  const image = optional('connect-proxy-image');
  if (image === undefined) return {};
  const command = (v['connect-proxy-command'] ?? '')
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '');
  if (command.length === 0)
    throw new ConfigError(`${where('connect-proxy-command')} is empty: write the proxy's command, e.g. consul connect proxy`);
  const file = optional('connect-proxy-token-file');
  const token =
    file === undefined ? optional('connect-proxy-token') : readSettingFile(file, where('connect-proxy-token-file')).toString('utf8').trim();
  const limits: ProxyLimits = {
    // Docker refuses less than 6 MiB of memory and 0.01 CPU.
    memoryBytes: Math.round(number(v, 'connect-proxy-memory', 6, true) * 2 ** 20),
    nanoCpus: Math.round(number(v, 'connect-proxy-cpus', 0.01) * 1e9),
    pids: number(v, 'connect-proxy-pids', 16, true),
  };
  return { connectProxy: { image, command, limits, ...defined({ consulAddr: optional('connect-proxy-consul-addr'), token }) } };
}

/** --ip-family takes what the SERVICE_IP_FAMILY label takes: 4, 6, ipv4, ipv6. */
/** --host-ip: an IP address, as a service is registered under it (no zone ID, no name). */
function hostIp(value: string | undefined): string | undefined {
  if (value === undefined || ipLiteral(value.trim()) !== 0) return value?.trim();
  throw new ConfigError(`${where('host-ip')} is "${value}": write an IP address (without a zone ID such as %eth0)`);
}

function ipFamily(v: RawConfig): IpFamily {
  const family = parseIpFamily(v['ip-family'] ?? '');
  if (!family) throw new ConfigError(`${where('ip-family')} is "${v['ip-family']}": write ipv4 or ipv6 (or 4, 6)`);
  return family;
}

function oneOf<T extends string>(v: RawConfig, name: OptionName, allowed: readonly T[]): T {
  const value = v[name] as T;
  if (!allowed.includes(value)) throw new ConfigError(`${where(name)} is "${value}": write one of ${allowed.join(', ')}`);
  return value;
}

/** The entries whose value is set (optional settings stay absent rather than undefined). */
function defined<T extends Record<string, string | undefined>>(values: T): { [K in keyof T]?: string } {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as { [K in keyof T]?: string };
}
