import type { HealthFact } from './facts.js';
import type { CheckDefinition, CheckJob } from './registration.js';
import { hostPort } from './address.js';
import { durationMs, parseGoDuration } from './duration.js';
import { splitCommand } from './script-command.js';
import { parseBool, type SettingMap } from './settings.js';
import { shown } from './show.js';
import { TIMINGS } from '../timings.js';

export const DEFAULT_INTERVAL = '10s';
const STATUSES = new Set(['passing', 'warning', 'critical']);
/** Registrator's three ways of running a command for a check; here all run inside the container. */
const SCRIPT_KEYS = ['check_script', 'check_cmd', 'check_docker'];

export interface ChecksRequest {
  serviceId: string;
  /** The registered address and port: every check targets exactly these. */
  address: string;
  port: number;
  settings: SettingMap;
  /** HTTP methods a label may ask for (--check-http-methods). */
  httpMethods: string[];
  scripts: ScriptContext;
  warnings: string[];
}

/**
 * The health checks one service asks for, all of them (Registrator keeps only the first kind it
 * finds): SERVICE_CHECK_HTTP, _HTTPS, _TCP, _GRPC and _TTL, with the shared _INTERVAL, _TIMEOUT,
 * _INITIAL_STATUS, _DEREGISTER_AFTER, _HTTP_METHOD, _TLS_SKIP_VERIFY, _TLS_SERVER_NAME,
 * _SUCCESS_BEFORE_PASSING and _FAILURES_BEFORE_CRITICAL.
 */
export function buildChecks(r: ChecksRequest): { checks: CheckDefinition[]; jobs: CheckJob[] } {
  const { serviceId, address, port, settings, warnings } = r;
  const target = hostPort(address, port);
  const common = commonFields(settings, warnings);
  const checks: CheckDefinition[] = [];
  const add = (kind: string, fields: Partial<CheckDefinition>) =>
    checks.push({ CheckID: `service:${serviceId}:${kind}`, Name: `${kind} ${target}`, ...common, ...fields });

  const method = httpMethod(settings, r.httpMethods, warnings);
  for (const scheme of ['http', 'https'] as const) {
    const key = `check_${scheme}`;
    const url = checkUrl(scheme, target, settings.get(key), `SERVICE_${key.toUpperCase()}`, warnings);
    if (url === undefined) continue;
    // Redirects would let the target move the check to any address the agent reaches (CVE-2022-29153).
    add(scheme, {
      HTTP: url,
      DisableRedirects: true,
      ...(method ? { Method: method } : {}),
      ...(scheme === 'https' ? tls(settings, warnings) : {}),
    });
  }
  if (flag(settings, 'check_tcp', warnings)) add('tcp', { TCP: target });
  const grpc = settings.get('check_grpc');
  if (grpc !== undefined && parseBool(grpc) !== false) {
    const grpcService = parseBool(grpc) === true ? '' : grpc.trim();
    if (grpcService === '' || GRPC_SERVICE.test(grpcService)) {
      add('grpc', {
        GRPC: `${target}${grpcService ? `/${grpcService}` : ''}`,
        ...(flag(settings, 'check_grpc_use_tls', warnings) ? { GRPCUseTLS: true, ...tls(settings, warnings) } : {}),
      });
    } else {
      warnings.push(
        `SERVICE_CHECK_GRPC ${shown(grpc)} is not true or a gRPC service name (letters, digits, . _ -); the gRPC check is left out`,
      );
    }
  }
  if (settings.has('check_ttl')) {
    const ttl = duration(settings, 'check_ttl', warnings, 'the TTL check is left out', true);
    if (ttl) checks.push({ CheckID: `service:${serviceId}:ttl`, Name: `ttl ${target}`, TTL: ttl, ...withoutInterval(common) });
  }
  const jobs: CheckJob[] = [];
  const [scriptKey, ...ignoredKeys] = SCRIPT_KEYS.filter((key) => settings.has(key));
  for (const key of ignoredKeys)
    warnings.push(`SERVICE_${key.toUpperCase()} is ignored: SERVICE_${scriptKey!.toUpperCase()} is the service's script check`);
  if (scriptKey) {
    const script = scriptCheck(
      {
        serviceId,
        address,
        port,
        command: settings.get(scriptKey)!,
        label: `SERVICE_${scriptKey.toUpperCase()}`,
        common,
        scripts: r.scripts,
      },
      warnings,
    );
    if (script) {
      checks.push(script.check);
      jobs.push(script.job);
    }
  }
  return { checks, jobs };
}

const GRPC_SERVICE = /^[A-Za-z0-9_.-]{1,200}$/;
// What an HTTP check's path and query may hold (RFC 3986's path, query and %-escapes): no spaces,
// no backslashes, no fragments, nothing a URL parser could read as a different host.
const URL_PATH = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*$/;

/** The check's URL on the registered address and port, or undefined (with a warning) when the label asks for anything else. */
function checkUrl(
  scheme: 'http' | 'https',
  target: string,
  value: string | undefined,
  label: string,
  warnings: string[],
): string | undefined {
  if (value === undefined) return undefined;
  const path = asPath(value);
  const url = `${scheme}://${target}${path}`;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (URL_PATH.test(path) && parsed?.host === new URL(`${scheme}://${target}/`).host) return url;
  warnings.push(`${label} ${shown(value)} is not a path on the service's own address and port (write e.g. /health); the check is left out`);
  return undefined;
}

function httpMethod(settings: SettingMap, allowed: string[], warnings: string[]): string | undefined {
  const method = settings.get('check_http_method')?.trim().toUpperCase();
  if (!method) return undefined;
  if (allowed.includes(method)) return method;
  warnings.push(
    `SERVICE_CHECK_HTTP_METHOD ${shown(method)} is not one of ${allowed.join(', ')} (--check-http-methods); the check uses GET`,
  );
  return undefined;
}

type CommonFields = Pick<
  CheckDefinition,
  'Interval' | 'Timeout' | 'Status' | 'DeregisterCriticalServiceAfter' | 'SuccessBeforePassing' | 'FailuresBeforeCritical'
>;

/**
 * Mirrors the container's Docker HEALTHCHECK, which the engine already runs: no exec is added.
 * Healthy is passing; unhealthy, and starting (no probe has passed yet), are critical.
 */
export function dockerHealthCheck(
  serviceId: string,
  containerId: string,
  pid: number,
  health: HealthFact,
): { check: CheckDefinition; job: CheckJob } {
  const checkId = `service:${serviceId}:docker-health`;
  return {
    check: {
      CheckID: checkId,
      Name: 'Docker HEALTHCHECK',
      TTL: `${2 * health.intervalMs + 10_000}ms`,
      Notes: "mirrors the container's Docker HEALTHCHECK",
    },
    job: {
      kind: 'docker-health',
      checkId,
      containerId,
      pid,
      user: '',
      env: {},
      argv: [],
      intervalMs: health.intervalMs,
      timeoutMs: 10_000,
    },
  };
}

/**
 * --ttl (what Registrator's -ttl promised; its Consul backend never refreshed anything): the
 * service's health also follows the registrar's own service, whose TTL check the registrar
 * refreshes (checks/heartbeat.ts), so every service of a host turns critical when its registrar
 * stops. An alias check: one refresh per period for the whole host, not one per service.
 */
export function registrarAliveCheck(serviceId: string, registrarServiceId: string): CheckDefinition {
  return { CheckID: `service:${serviceId}:registrar`, Name: 'consul-registrar running', AliasService: registrarServiceId };
}

/**
 * A paused container cannot answer, but comes back as it was: a critical check takes it out of
 * DNS while it is paused, and on unpause the registration without it restores the service (Consul
 * keeps the other checks' status when a service is registered again with them unchanged).
 */
export function pausedCheck(serviceId: string): CheckDefinition {
  return { CheckID: `service:${serviceId}:paused`, Name: 'container paused', TTL: '87600h', Status: 'critical' };
}

export interface ScriptContext {
  containerId: string;
  pid: number;
  /** The container's configured user: its checks run as it. */
  user: string;
  /** --enable-script-checks: commands run inside containers only when the operator allows it. */
  enabled: boolean;
}

interface ScriptRequest {
  serviceId: string;
  address: string;
  port: number;
  command: string;
  label: string;
  common: CommonFields;
  scripts: ScriptContext;
}

/**
 * SERVICE_CHECK_SCRIPT: a command the registrar runs inside the container every interval, reported
 * to Consul through a TTL check (Consul never runs it: no enable_script_checks needed). The TTL
 * outlasts one late run (2 × interval + timeout) yet turns critical when the registrar is gone.
 */
function scriptCheck(r: ScriptRequest, warnings: string[]): { check: CheckDefinition; job: CheckJob } | undefined {
  const { common, scripts, label } = r;
  if (!scripts.enabled) {
    warnings.push(
      `${label} asks for a command inside the container, which needs --enable-script-checks; the service's other checks are registered`,
    );
    return undefined;
  }
  const vars = { SERVICE_IP: r.address, SERVICE_PORT: String(r.port) };
  const argv = splitCommand(r.command, vars);
  if (!argv) {
    warnings.push(
      `${label} ${shown(r.command)} cannot be split into arguments (an unclosed quote, or empty); the script check is left out`,
    );
    return undefined;
  }
  // The registrar runs these itself: between once a second (Consul's own floor for checks) and once a day.
  const intervalMs = Math.min(Math.max(durationMs(common.Interval!), TIMINGS.checkIntervalMinMs), TIMINGS.checkIntervalMaxMs);
  const asked = common.Timeout ? durationMs(common.Timeout) : 0;
  const timeoutMs = asked > 0 ? Math.min(asked, TIMINGS.checkIntervalMaxMs) : Math.min(intervalMs, TIMINGS.scriptTimeoutMs);
  const checkId = `service:${r.serviceId}:script`;
  return {
    check: {
      CheckID: checkId,
      Name: `script ${argv[0]}`,
      TTL: `${2 * intervalMs + timeoutMs}ms`,
      Notes: `runs inside the container: ${argv.join(' ')}`,
      ...(common.Status ? { Status: common.Status } : {}),
      ...(common.DeregisterCriticalServiceAfter ? { DeregisterCriticalServiceAfter: common.DeregisterCriticalServiceAfter } : {}),
    },
    job: {
      kind: 'script',
      checkId,
      containerId: scripts.containerId,
      pid: scripts.pid,
      user: scripts.user,
      env: vars,
      argv,
      intervalMs,
      timeoutMs,
    },
  };
}

function commonFields(settings: SettingMap, warnings: string[]): CommonFields {
  const fields: CommonFields = {
    Interval: duration(settings, 'check_interval', warnings, `${DEFAULT_INTERVAL} is used`, true) ?? DEFAULT_INTERVAL,
  };
  const timeout = duration(settings, 'check_timeout', warnings, "Consul's default is used");
  if (timeout) fields.Timeout = timeout;
  const after = duration(settings, 'check_deregister_after', warnings, 'the service is never removed by Consul');
  if (after) fields.DeregisterCriticalServiceAfter = after;
  const status = settings.get('check_initial_status')?.trim().toLowerCase();
  if (status !== undefined) {
    if (STATUSES.has(status)) fields.Status = status as CheckDefinition['Status'];
    else warnings.push(`SERVICE_CHECK_INITIAL_STATUS ${shown(status)} is not passing, warning or critical; it is ignored`);
  }
  const successes = count(settings, 'check_success_before_passing', warnings);
  if (successes !== undefined) fields.SuccessBeforePassing = successes;
  const failures = count(settings, 'check_failures_before_critical', warnings);
  if (failures !== undefined) fields.FailuresBeforeCritical = failures;
  return fields;
}

function tls(settings: SettingMap, warnings: string[]): Pick<CheckDefinition, 'TLSSkipVerify' | 'TLSServerName'> {
  let serverName = settings.get('check_tls_server_name')?.trim();
  if (serverName && !/^[A-Za-z0-9.-]{1,253}$/.test(serverName)) {
    warnings.push(`SERVICE_CHECK_TLS_SERVER_NAME ${shown(serverName)} is not a host name; it is ignored`);
    serverName = undefined;
  }
  return {
    ...(flag(settings, 'check_tls_skip_verify', warnings) ? { TLSSkipVerify: true } : {}),
    ...(serverName ? { TLSServerName: serverName } : {}),
  };
}

function count(settings: SettingMap, key: string, warnings: string[]): number | undefined {
  const value = settings.get(key)?.trim();
  if (value === undefined) return undefined;
  if (/^\d{1,6}$/.test(value)) return Number(value);
  warnings.push(`SERVICE_${key.toUpperCase()} ${shown(value)} is not a whole number; it is ignored`);
  return undefined;
}

function withoutInterval(common: CommonFields): Omit<CheckDefinition, 'CheckID' | 'Name' | 'Interval'> {
  const { Interval: _interval, Timeout: _timeout, ...rest } = common;
  return rest;
}

/** A Go duration setting; a bad one (or a zero one where Consul needs more) is warned about, naming the fallback. */
function duration(settings: SettingMap, key: string, warnings: string[], fallback: string, positive = false): string | undefined {
  const value = settings.get(key)?.trim();
  if (value === undefined || value === '') return undefined;
  const ns = parseGoDuration(value);
  if (ns !== undefined && (!positive || ns > 0n)) return value;
  const what = ns === undefined ? 'is not a duration Consul accepts' : 'must be more than zero';
  warnings.push(`SERVICE_${key.toUpperCase()} ${shown(value)} ${what}; ${fallback} (write e.g. 10s, 1m30s)`);
  return undefined;
}

function flag(settings: SettingMap, key: string, warnings: string[]): boolean {
  const value = settings.get(key);
  if (value === undefined) return false;
  const parsed = parseBool(value);
  if (parsed === undefined) warnings.push(`SERVICE_${key.toUpperCase()} ${shown(value)} is not true or false; taken as false`);
  return parsed ?? false;
}

function asPath(value: string): string {
  const path = value.trim();
  return path.startsWith('/') ? path : `/${path}`;
}
