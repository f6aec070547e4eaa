// SERVICE_* keys one typo from a setting: Registrator reads SERVICE_NAM=x as Meta "nam" without a
// word; the registrar does the same (a Meta key is the author's to choose) but says so.
import { nearestName } from '../nearest-name.js';
import type { Finding } from './findings.js';
import { finding } from './finding-codes.js';
import type { ServiceSettings } from './settings.js';
import { printable } from './show.js';

/** Every setting the registrar reads, as readSettings keys them (lower case, without SERVICE_ and the port). */
export const SETTING_NAMES: ReadonlySet<string> = new Set([
  ...['name', 'id', 'tags', 'ignore', 'ip', 'ip_family', 'network', 'ports'],
  ...['connect', 'connect_port', 'connect_upstreams'],
  ...['check_http', 'check_https', 'check_http_method', 'check_https_method', 'check_tcp', 'check_grpc', 'check_grpc_use_tls'],
  ...['check_ttl', 'check_script', 'check_cmd', 'check_docker', 'check_interval', 'check_timeout', 'check_initial_status'],
  ...['check_deregister_after', 'check_tls_skip_verify', 'check_tls_server_name'],
  ...['check_success_before_passing', 'check_failures_before_critical'],
  ...['tagged_addresses', 'wan_address', 'weight_passing', 'weight_warning', 'enable_tag_override', 'aliases'],
]);

/** A finding for each key that is no setting but one edit from one. */
export function nearMissKeys(settings: ServiceSettings, findings: Finding[]): void {
  const groups: [string, ReadonlyMap<string, string>][] = [['', settings.common]];
  for (const [port, own] of settings.perPort) groups.push([`${port}_`, own]);
  for (const [prefix, keys] of groups) {
    for (const key of keys.keys()) {
      if (SETTING_NAMES.has(key)) continue;
      const near = nearestName(key, SETTING_NAMES);
      if (near === undefined) continue;
      const label = printable(`SERVICE_${prefix}${key.toUpperCase()}`);
      const fate = key.startsWith('check_') ? 'it is ignored' : 'it is taken as service Meta, as Registrator does';
      findings.push(
        finding('unknown-key', `${label} is not a setting the registrar knows; ${fate}`, {
          label,
          ...(prefix === '' ? {} : { port: prefix.slice(0, -1) }),
          fix: `did you mean SERVICE_${prefix}${near.toUpperCase()}?`,
        }),
      );
    }
  }
}
