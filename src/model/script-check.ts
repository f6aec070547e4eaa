// SERVICE_CHECK_SCRIPT: a command the registrar runs inside the container, reported to a TTL check.
import type { CheckDefinition, CheckJob } from './registration.js';
import type { CommonFields } from './check-settings.js';
import { durationMs } from './duration.js';
import { commandArgv } from './script-command.js';
import type { Finding } from './findings.js';
import { finding } from './finding-codes.js';
import { shown } from './show.js';
import { scriptTimeoutMs } from './script-timeout.js';
import { TIMINGS } from '../timings.js';
import { checkTtlMs } from './check-ttl.js';

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
export function scriptCheck(r: ScriptRequest, findings: Finding[]): { check: CheckDefinition; job: CheckJob } | undefined {
  const { common, scripts, label } = r;
  if (!scripts.enabled) {
    findings.push(
      finding(
        'script-checks-disabled',
        `${label} asks for a command inside the container, which needs --enable-script-checks; the service's other checks are registered`,
        { label },
      ),
    );
    return undefined;
  }
  const vars = { SERVICE_IP: r.address, SERVICE_PORT: String(r.port) };
  const command = commandArgv(r.command, vars);
  if (!command) {
    findings.push(
      finding(
        'script-command-unparsable',
        `${label} ${shown(r.command)} cannot be split into arguments (an unclosed quote, or empty); the script check is left out`,
        { label },
      ),
    );
    return undefined;
  }
  // The registrar runs these itself: between once a second (Consul's own floor for checks) and once a day.
  const intervalMs = Math.min(Math.max(durationMs(common.Interval!), TIMINGS.checkIntervalMinMs), TIMINGS.checkIntervalMaxMs);
  const timeoutMs = scriptTimeoutMs(common, intervalMs, findings);
  const { argv, shell } = command;
  const checkId = `service:${r.serviceId}:script`;
  return {
    check: {
      CheckID: checkId,
      Name: shell ? 'script (/bin/sh -c)' : `script ${argv[0]}`,
      TTL: `${checkTtlMs({ intervalMs, timeoutMs })}ms`,
      Notes: `runs inside the container: ${shell ? `/bin/sh -c ${argv[2]}` : argv.join(' ')}`,
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
      ...(shell ? { shell } : {}),
      intervalMs,
      timeoutMs,
    },
  };
}
