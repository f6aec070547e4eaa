// The settings every check of a service shares (SERVICE_CHECK_INTERVAL, _TIMEOUT, _INITIAL_STATUS,
// _DEREGISTER_AFTER, counts, TLS), read from labels with a finding for each value Consul would refuse.
import type { CheckDefinition } from './registration.js';
import { parseGoDuration } from './duration.js';
import { parseBool, type SettingMap } from './settings.js';
import type { Finding } from './findings.js';
import { finding } from './finding-codes.js';
import { shown } from './show.js';

export const DEFAULT_INTERVAL = '10s';
const STATUSES = new Set(['passing', 'warning', 'critical']);

export type CommonFields = Pick<
  CheckDefinition,
  'Interval' | 'Timeout' | 'Status' | 'DeregisterCriticalServiceAfter' | 'SuccessBeforePassing' | 'FailuresBeforeCritical'
>;

export function commonFields(settings: SettingMap, findings: Finding[]): CommonFields {
  const fields: CommonFields = {
    Interval: duration(settings, 'check_interval', findings, `${DEFAULT_INTERVAL} is used`, true) ?? DEFAULT_INTERVAL,
  };
  const timeout = duration(settings, 'check_timeout', findings, "Consul's default is used");
  if (timeout) fields.Timeout = timeout;
  const after = duration(settings, 'check_deregister_after', findings, 'the service is never removed by Consul');
  if (after) fields.DeregisterCriticalServiceAfter = after;
  const status = settings.get('check_initial_status')?.trim().toLowerCase();
  if (status !== undefined) {
    if (STATUSES.has(status)) fields.Status = status as CheckDefinition['Status'];
    else {
      const text = `SERVICE_CHECK_INITIAL_STATUS ${shown(status)} is not passing, warning or critical; it is ignored`;
      findings.push(finding('initial-status-refused', text, { label: 'SERVICE_CHECK_INITIAL_STATUS' }));
    }
  }
  const successes = count(settings, 'check_success_before_passing', findings);
  if (successes !== undefined) fields.SuccessBeforePassing = successes;
  const failures = count(settings, 'check_failures_before_critical', findings);
  if (failures !== undefined) fields.FailuresBeforeCritical = failures;
  return fields;
}

export function tls(settings: SettingMap, findings: Finding[]): Pick<CheckDefinition, 'TLSSkipVerify' | 'TLSServerName'> {
  let serverName = settings.get('check_tls_server_name')?.trim();
  if (serverName && !/^[A-Za-z0-9.-]{1,253}$/.test(serverName)) {
    const text = `SERVICE_CHECK_TLS_SERVER_NAME ${shown(serverName)} is not a host name; it is ignored`;
    findings.push(finding('tls-server-name-refused', text, { label: 'SERVICE_CHECK_TLS_SERVER_NAME' }));
    serverName = undefined;
  }
  return {
    ...(flag(settings, 'check_tls_skip_verify', findings) ? { TLSSkipVerify: true } : {}),
    ...(serverName ? { TLSServerName: serverName } : {}),
  };
}

export function count(settings: SettingMap, key: string, findings: Finding[]): number | undefined {
  const value = settings.get(key)?.trim();
  if (value === undefined) return undefined;
  if (/^\d{1,6}$/.test(value)) return Number(value);
  const label = `SERVICE_${key.toUpperCase()}`;
  findings.push(finding('count-not-number', `${label} ${shown(value)} is not a whole number; it is ignored`, { label }));
  return undefined;
}

export function withoutInterval(common: CommonFields): Omit<CheckDefinition, 'CheckID' | 'Name' | 'Interval'> {
  const { Interval: _interval, Timeout: _timeout, ...rest } = common;
  return rest;
}

/** A Go duration setting; a bad one (or a zero one where Consul needs more) is a finding naming the fallback. */
export function duration(settings: SettingMap, key: string, findings: Finding[], fallback: string, positive = false): string | undefined {
  const value = settings.get(key)?.trim();
  if (value === undefined || value === '') return undefined;
  const ns = parseGoDuration(value);
  if (ns !== undefined && (!positive || ns > 0n)) return value;
  const what = ns === undefined ? 'is not a duration Consul accepts' : 'must be more than zero';
  const label = `SERVICE_${key.toUpperCase()}`;
  findings.push(finding('duration-refused', `${label} ${shown(value)} ${what}; ${fallback}`, { label }));
  return undefined;
}

export function flag(settings: SettingMap, key: string, findings: Finding[]): boolean {
  const value = settings.get(key);
  if (value === undefined) return false;
  const parsed = parseBool(value);
  const label = `SERVICE_${key.toUpperCase()}`;
  if (parsed === undefined)
    findings.push(finding('flag-not-boolean', `${label} ${shown(value)} is not true or false; taken as false`, { label }));
  return parsed ?? false;
}
