// SERVICE_CHECK_SCRIPT: a command the registrar runs inside the container, reported to a TTL check.
import type { CheckDefinition, CheckJob } from './registration.js';
import type { CommonFields } from './check-settings.js';
import { durationMs } from './duration.js';
import { splitCommand } from './script-command.js';
import { shown } from './show.js';
import { TIMINGS } from '../timings.js';

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
export function scriptCheck(r: ScriptRequest, warnings: string[]): { check: CheckDefinition; job: CheckJob } | undefined {
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
