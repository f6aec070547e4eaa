import type { ContainerFacts } from './facts.js';
import type { CheckJob, ContainerPlan, Registration } from './registration.js';
import { OWNER_META } from './registration.js';
import { chooseAddress, parseIpFamily, type AddressOptions } from './address.js';
import { buildChecks, dockerHealthCheck, pausedCheck, registrarAliveCheck } from './checks.js';
import { userMeta } from './meta.js';
import { dnsSafeName, imageBaseName } from './names.js';
import { servicePorts } from './ports.js';
import { parseBool, readSettings, settingsForPort, splitList, type SettingMap } from './settings.js';

export interface PlanOptions extends AddressOptions {
  /** Identifies this host in service IDs and ownership Meta (--host-id). */
  hostId: string;
  /** Register only services that are given a SERVICE_NAME (--explicit). */
  explicit: boolean;
  /** Tags added to every service (--tags). */
  tags: string[];
  /** Run SERVICE_CHECK_SCRIPT commands inside containers (--enable-script-checks). */
  scriptChecks: boolean;
  /** Mirror Docker HEALTHCHECK results as TTL checks (on unless --no-docker-health). */
  dockerHealth: boolean;
  /** The registrar's own service, whose health every service follows (--ttl). */
  registrarServiceId?: string;
}

/** Turns one container's facts into the services it should have in Consul. Pure. */
export function planContainer(facts: ContainerFacts, options: PlanOptions): ContainerPlan {
  const warnings: string[] = [];
  const jobs: CheckJob[] = [];
  const plan = (registrations: Registration[], skipped?: string): ContainerPlan => ({
    containerId: facts.id,
    containerName: facts.name,
    registrations,
    jobs: registrations.length > 0 && !facts.paused ? jobs : [],
    warnings: [...new Set(warnings)],
    ...(skipped === undefined ? {} : { skipped }),
  });
  if (!facts.running) return plan([], 'not running');

  const settings = readSettings(facts.env, facts.labels);
  if (ignored(settings.common, 'SERVICE_IGNORE', warnings)) return plan([], 'SERVICE_IGNORE is set');
  const ports = servicePorts(facts.exposedPorts, settings.common.get('ports'), warnings);
  if (ports.length === 0) return plan([], 'exposes no ports: add EXPOSE to the image, or the label SERVICE_PORTS=8080');

  const where = chooseAddress(facts, settings.common.get('ip'), settings.common.get('network'), addressOptions(settings.common, options, warnings), warnings);
  if ('skip' in where) return plan([], where.skip);

  const several = ports.length > 1;
  const registrations: Registration[] = [];
  for (const { port, protocol } of ports) {
    const own = settings.perPort.get(port);
    const s = settingsForPort(settings, port);
    if (ignored(s, `SERVICE_${port}_IGNORE`, warnings)) continue;
    const givenName = s.get('name')?.trim();
    if (!givenName && options.explicit) continue;
    // As Registrator: a name shared by several ports gets the port appended, a port's own name does not.
    const rawName = `${givenName || imageBaseName(facts.image)}${several && !own?.get('name') ? `-${port}` : ''}`;
    const name = dnsSafeName(rawName);
    if (name === '') {
      warnings.push(`service name "${rawName}" has nothing Consul DNS can serve; set SERVICE_NAME to letters, digits and dashes`);
      continue;
    }
    if (name !== rawName) warnings.push(`service name "${rawName}" is not DNS-safe; registered as "${name}" (set SERVICE_NAME to letters, digits and dashes)`);

    const udp = protocol === 'tcp' ? '' : `:${protocol}`;
    const ownId = own?.get('id')?.trim();
    const sharedId = settings.common.get('id')?.trim();
    const id = ownId || (sharedId ? (several ? `${sharedId}:${port}${udp}` : sharedId) : `${options.hostId}:${facts.name}:${port}${udp}`);

    const built = buildChecks(id, where.address, port, s, warnings, { containerId: facts.id, pid: facts.pid, enabled: options.scriptChecks });
    const checks = [...built.checks];
    jobs.push(...built.jobs);
    if (facts.health && options.dockerHealth) {
      const health = dockerHealthCheck(id, facts.id, facts.pid, facts.health);
      checks.push(health.check);
      jobs.push(health.job);
    }
    if (options.registrarServiceId) checks.push(registrarAliveCheck(id, options.registrarServiceId));
    if (facts.paused) checks.push(pausedCheck(id));
    registrations.push({
      ID: id,
      Name: name,
      Tags: [...new Set([...splitList(s.get('tags') ?? ''), ...options.tags])],
      Address: where.address,
      Port: port,
      Meta: { ...userMeta(s, warnings), [OWNER_META.host]: options.hostId, [OWNER_META.container]: facts.id },
      Checks: checks,
    });
  }
  const duplicate = registrations.find((r, i) => registrations.findIndex((o) => o.ID === r.ID) !== i);
  if (duplicate) {
    warnings.push(`two of its services would share the ID "${duplicate.ID}"; give each port its own SERVICE_<port>_ID`);
    return plan([], `duplicate service ID ${duplicate.ID}`);
  }
  if (registrations.length === 0) return plan([], options.explicit ? 'no SERVICE_NAME (explicit mode)' : 'every port is ignored');
  return plan(registrations);
}

/** The container's SERVICE_IP_FAMILY over --ip-family. */
function addressOptions(settings: SettingMap, options: PlanOptions, warnings: string[]): AddressOptions {
  const value = settings.get('ip_family');
  if (value === undefined) return options;
  const family = parseIpFamily(value);
  if (family) return { ...options, ipFamily: family };
  warnings.push(`SERVICE_IP_FAMILY "${value}" is not 4, 6, ipv4 or ipv6; --ip-family applies (write SERVICE_IP_FAMILY=6 for the IPv6 address)`);
  return options;
}

/** SERVICE_IGNORE: any value but a false one ignores (Registrator ignores even "false"; we do not). */
function ignored(settings: SettingMap, label: string, warnings: string[]): boolean {
  const value = settings.get('ignore');
  if (value === undefined) return false;
  const parsed = parseBool(value);
  if (parsed === undefined) warnings.push(`${label} "${value}" is not true or false; taken as true`);
  return parsed !== false;
}
