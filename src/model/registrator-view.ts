// What gliderlabs/registrator (with -internal, its Consul backend) would have registered for a
// container, so that `plan` can say where this registrar's result differs: what a migrating
// operator checks before switching. Read from Registrator's bridge.go and consul.go. The port loop
// and the comparison are shared with the fayrus/registrator fork's view (fork-view.ts).
import { aliasPrimary } from './aliases.js';
import type { ContainerFacts } from './facts.js';
import { registratorImageName } from './names.js';
import type { ContainerPlan } from './registration.js';
import { readSettings, settingsForPort, type SettingMap } from './settings.js';

export interface ViewService {
  port: number;
  name: string;
  tags: string[];
  /** The one check Registrator registers: the first of these kinds the labels ask for. */
  check?: string;
}

/** How one Registrator reads a port's settings and tags; undefined tags: it would not register the port. */
export interface Dialect {
  who: string;
  checkKinds: readonly (readonly [string, string])[];
  settings(port: number, protocol: string): { s: SettingMap; ownName: boolean };
  tags(s: SettingMap, port: number, protocol: string): string[] | undefined;
  /** Tags compared as a set (the fork registers them in an order of its own). */
  unorderedTags?: boolean;
}

// Registrator's order (consul.go buildCheck); "cmd" and "script" were run by Consul on the host.
export const CHECK_KINDS = [
  ['check_http', 'http'],
  ['check_https', 'https'],
  ['check_cmd', 'script'],
  ['check_script', 'script'],
  ['check_ttl', 'ttl'],
  ['check_tcp', 'tcp'],
] as const;

export interface ViewOptions {
  explicit: boolean;
  tags: string[];
}

/** Registrator's services for a running container, port by port. */
export function registratorServices(facts: ContainerFacts, options: ViewOptions): ViewService[] {
  return viewServices(facts, options, registratorDialect(facts, options));
}

function registratorDialect(facts: ContainerFacts, options: ViewOptions): Dialect {
  const settings = readSettings(facts.env, facts.labels);
  return {
    who: 'Registrator',
    checkKinds: CHECK_KINDS,
    settings: (port) => ({ s: settingsForPort(settings, port), ownName: settings.perPort.get(port)?.has('name') ?? false }),
    tags: (s, _port, protocol) => [...splitRaw(s.get('tags')), ...options.tags, ...(protocol === 'udp' ? ['udp'] : [])],
  };
}

/** The services one Registrator would register, port by port, read its way. */
export function viewServices(facts: ContainerFacts, options: ViewOptions, dialect: Dialect): ViewService[] {
  const defaultName = registratorImageName(facts.image);
  const several = facts.exposedPorts.length > 1;
  const services: ViewService[] = [];
  for (const { port, protocol } of facts.exposedPorts) {
    const { s, ownName } = dialect.settings(port, protocol);
    if ((s.get('ignore') ?? '') !== '') continue; // any value at all, "false" too
    const given = s.get('name') ?? '';
    if (given === '' && options.explicit) continue;
    const tags = dialect.tags(s, port, protocol);
    if (tags === undefined) continue;
    const name = `${given || defaultName}${several && !ownName ? `-${port}` : ''}`;
    const check = dialect.checkKinds.find(([key]) => (s.get(key) ?? '') !== '')?.[1];
    services.push({ port, name, tags, ...(check ? { check } : {}) });
  }
  return services;
}

/** Registrator splits tags at commas and keeps every piece as written. */
function splitRaw(value: string | undefined): string[] {
  return value ? value.split(',') : [];
}

/** Where this registrar's plan differs from what Registrator would have registered, one line each. */
export function registratorDifferences(facts: ContainerFacts, plan: ContainerPlan, options: ViewOptions): string[] {
  if (!facts.running) return [];
  return compareServices(plan, registratorServices(facts, options), registratorDialect(facts, options));
}

/** Where the plan differs from one Registrator's services, one line each. */
export function compareServices(plan: ContainerPlan, theirs: ViewService[], dialect: Dialect): string[] {
  const { who } = dialect;
  const differences: string[] = [];
  const tagText = (tags: string[]) => (dialect.unorderedTags ? [...tags].sort() : tags).join(',');
  for (const ours of plan.registrations) {
    if (aliasPrimary(ours) !== undefined) {
      differences.push(`port ${ours.Port}: also registered as ${ours.Name} here (SERVICE_ALIASES); ${who} registers no aliases`);
      continue;
    }
    const their = theirs.find((t) => t.port === ours.Port);
    if (!their) {
      differences.push(`port ${ours.Port}: registered here as ${ours.Name}; ${who} would not register it`);
      continue;
    }
    if (their.name !== ours.Name) differences.push(`port ${ours.Port}: named ${ours.Name} here, ${their.name || '(nothing)'} by ${who}`);
    if (tagText(their.tags) !== tagText(ours.Tags)) {
      differences.push(`port ${ours.Port}: tags ${ours.Tags.join(',') || '(none)'} here, ${their.tags.join(',') || '(none)'} by ${who}`);
    }
    const kinds = ours.Checks.map((c) => c.CheckID.slice(c.CheckID.lastIndexOf(':') + 1)).filter((k) =>
      dialect.checkKinds.some(([, kind]) => kind === k),
    );
    if (their.check === 'script') {
      differences.push(
        `port ${ours.Port}: the script check runs inside the container, reported through a TTL check (Consul ran it on the host for ${who})`,
      );
    } else if (kinds.join(',') !== (their.check ?? '')) {
      differences.push(
        `port ${ours.Port}: checks ${kinds.join(', ') || '(none)'} here, ` +
          `${their.check ?? '(none)'} by ${who} (it registers only the first kind)`,
      );
    }
  }
  for (const their of theirs) {
    if (!plan.registrations.some((r) => r.Port === their.port)) {
      const why = plan.skipped ? ` (${plan.skipped.text})` : ' (see the findings)';
      differences.push(`port ${their.port}: ${who} registered it as ${their.name}; not registered here${why}`);
    }
  }
  return differences;
}
