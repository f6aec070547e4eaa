// The checks Consul runs itself (HTTP, HTTPS, TCP, gRPC, TTL), built from a service's labels and
// pinned to its registered address and port, plus the script check the registrar runs.
import type { CheckDefinition, CheckJob } from './registration.js';
import { hostPort } from './address.js';
import { commonFields, duration, flag, tls, withoutInterval } from './check-settings.js';
import { scriptCheck, type ScriptContext } from './script-check.js';
import { parseBool, type SettingMap } from './settings.js';
import type { Finding } from './findings.js';
import { finding } from './finding-codes.js';
import { shown } from './show.js';

/** Registrator's three ways of running a command for a check; here all run inside the container. */
const SCRIPT_KEYS = ['check_script', 'check_cmd', 'check_docker'];

export { DEFAULT_INTERVAL } from './check-settings.js';
export { dockerHealthCheck, pausedCheck, registrarAliveCheck } from './special-checks.js';
export type { ScriptContext } from './script-check.js';

export interface ChecksRequest {
  serviceId: string;
  /** The registered address and port: every check targets exactly these. */
  address: string;
  port: number;
  settings: SettingMap;
  /** HTTP methods a label may ask for (--check-http-methods). */
  httpMethods: string[];
  scripts: ScriptContext;
  findings: Finding[];
}

/**
 * The health checks one service asks for, all of them (Registrator keeps only the first kind it
 * finds): SERVICE_CHECK_HTTP, _HTTPS, _TCP, _GRPC and _TTL, with the shared _INTERVAL, _TIMEOUT,
 * _INITIAL_STATUS, _DEREGISTER_AFTER, _HTTP_METHOD (_HTTPS_METHOD for HTTPS), _TLS_SKIP_VERIFY, _TLS_SERVER_NAME,
 * _SUCCESS_BEFORE_PASSING and _FAILURES_BEFORE_CRITICAL.
 */
export function buildChecks(r: ChecksRequest): { checks: CheckDefinition[]; jobs: CheckJob[] } {
  const { serviceId, address, port, settings, findings } = r;
  const target = hostPort(address, port);
  const common = commonFields(settings, findings);
  const checks: CheckDefinition[] = [];
  const add = (kind: string, fields: Partial<CheckDefinition>) =>
    checks.push({ CheckID: `service:${serviceId}:${kind}`, Name: `${kind} ${target}`, ...common, ...fields });

  // Registrator's SERVICE_CHECK_HTTPS_METHOD for the HTTPS check; SERVICE_CHECK_HTTP_METHOD otherwise (and for both, as before).
  const methods = new Map<string, string | undefined>();
  const methodOf = (key: string) => {
    if (!methods.has(key)) methods.set(key, httpMethod(settings, key, r.httpMethods, findings)); // one finding, not one per check
    return methods.get(key);
  };
  for (const scheme of ['http', 'https'] as const) {
    const key = `check_${scheme}`;
    const url = checkUrl(scheme, target, settings.get(key), `SERVICE_${key.toUpperCase()}`, findings);
    if (url === undefined) continue;
    const method = methodOf(scheme === 'https' && settings.has('check_https_method') ? 'check_https_method' : 'check_http_method');
    // Redirects would let the target move the check to any address the agent reaches (CVE-2022-29153).
    add(scheme, {
      HTTP: url,
      DisableRedirects: true,
      ...(method ? { Method: method } : {}),
      ...(scheme === 'https' ? tls(settings, findings) : {}),
    });
  }
  if (flag(settings, 'check_tcp', findings)) add('tcp', { TCP: target });
  const grpc = settings.get('check_grpc');
  if (grpc !== undefined && parseBool(grpc) !== false) {
    const grpcService = parseBool(grpc) === true ? '' : grpc.trim();
    if (grpcService === '' || GRPC_SERVICE.test(grpcService)) {
      add('grpc', {
        GRPC: `${target}${grpcService ? `/${grpcService}` : ''}`,
        ...(flag(settings, 'check_grpc_use_tls', findings) ? { GRPCUseTLS: true, ...tls(settings, findings) } : {}),
      });
    } else {
      findings.push(
        finding(
          'grpc-service-refused',
          `SERVICE_CHECK_GRPC ${shown(grpc)} is not true or a gRPC service name (letters, digits, . _ -); the gRPC check is left out`,
          { label: 'SERVICE_CHECK_GRPC' },
        ),
      );
    }
  }
  if (settings.has('check_ttl')) {
    const ttl = duration(settings, 'check_ttl', findings, 'the TTL check is left out', true);
    if (ttl) checks.push({ CheckID: `service:${serviceId}:ttl`, Name: `ttl ${target}`, TTL: ttl, ...withoutInterval(common) });
  }
  const jobs: CheckJob[] = [];
  const [scriptKey, ...ignoredKeys] = SCRIPT_KEYS.filter((key) => settings.has(key));
  for (const key of ignoredKeys) {
    const label = `SERVICE_${key.toUpperCase()}`;
    findings.push(
      finding('script-key-ignored', `${label} is ignored: SERVICE_${scriptKey!.toUpperCase()} is the service's script check`, { label }),
    );
  }
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
      findings,
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

/** The check's URL on the registered address and port, or undefined (with a finding) when the label asks for anything else. */
function checkUrl(
  scheme: 'http' | 'https',
  target: string,
  value: string | undefined,
  label: string,
  findings: Finding[],
): string | undefined {
  if (value === undefined) return undefined;
  const path = asPath(value);
  const url = `${scheme}://${target}${path}`;
  if (URL_PATH.test(path) && hostOf(url) !== undefined && hostOf(url) === hostOf(`${scheme}://${target}/`)) return url;
  const text = `${label} ${shown(value)} is not a path on the service's own address and port; the check is left out`;
  findings.push(finding('check-path-refused', text, { label, fix: `write a path, e.g. ${label}=/health` }));
  return undefined;
}

/** The URL's host as a URL parser reads it; undefined when it parses as no URL at all (it never throws). */
function hostOf(url: string): string | undefined {
  return URL.canParse(url) ? new URL(url).host : undefined;
}

function httpMethod(settings: SettingMap, key: string, allowed: string[], findings: Finding[]): string | undefined {
  const method = settings.get(key)?.trim().toUpperCase();
  if (!method) return undefined;
  if (allowed.includes(method)) return method;
  const label = `SERVICE_${key.toUpperCase()}`;
  findings.push(
    finding(
      'check-method-refused',
      `${label} ${shown(method)} is not one of ${allowed.join(', ')} (--check-http-methods); the check uses GET`,
      {
        label,
      },
    ),
  );
  return undefined;
}

function asPath(value: string): string {
  const path = value.trim();
  return path.startsWith('/') ? path : `/${path}`;
}
