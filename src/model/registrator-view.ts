// What gliderlabs/registrator (with -internal, its Consul backend) would have registered for a
// container, so that `plan` can say where this registrar's result differs: what a migrating
// operator checks before switching. Read from Registrator's bridge.go and consul.go.
import { aliasPrimary } from './aliases.js';
import type { ContainerFacts } from './facts.js';
import { registratorImageName } from './names.js';
import type { ContainerPlan } from './registration.js';
import { readSettings, settingsForPort } from './settings.js';

interface RegistratorService {
  port: number;
  name: string;
  tags: string[];
  /** The one check Registrator registers: the first of these kinds the labels ask for. */
  check?: string;
}

// Registrator's order (consul.go buildCheck); "cmd" and "script" were run by Consul on the host.
const CHECK_KINDS = [
  ['check_http', 'http'],
  ['check_https', 'https'],
  ['check_cmd', 'script'],
  ['check_script', 'script'],
  ['check_ttl', 'ttl'],
  ['check_tcp', 'tcp'],
] as const;

/** Registrator's services for a running container, port by port. */
export function registratorServices(facts: ContainerFacts, options: { explicit: boolean; tags: string[] }): RegistratorService[] {
  const settings = readSettings(facts.env, facts.labels);
  const defaultName = registratorImageName(facts.image);
  const several = facts.exposedPorts.length > 1;
  const services: RegistratorService[] = [];
  for (const { port, protocol } of facts.exposedPorts) {
    const s = settingsForPort(settings, port);
    if ((s.get('ignore') ?? '') !== '') continue; // any value at all, "false" too
    const given = s.get('name') ?? '';
    if (given === '' && options.explicit) continue;
    const ownName = settings.perPort.get(port)?.has('name') ?? false;
    const name = `${given || defaultName}${several && !ownName ? `-${port}` : ''}`;
    const tags = [...splitRaw(s.get('tags')), ...options.tags, ...(protocol === 'udp' ? ['udp'] : [])];
    const check = CHECK_KINDS.find(([key]) => (s.get(key) ?? '') !== '')?.[1];
    services.push({ port, name, tags, ...(check ? { check } : {}) });
  }
  return services;
}

/** Registrator splits tags at commas and keeps every piece as written. */
function splitRaw(value: string | undefined): string[] {
  return value ? value.split(',') : [];
}

/** Where this registrar's plan differs from what Registrator would have registered, one line each. */
export function registratorDifferences(
  facts: ContainerFacts,
  plan: ContainerPlan,
  options: { explicit: boolean; tags: string[] },
): string[] {
  if (!facts.running) return [];
  const theirs = registratorServices(facts, options);
  const differences: string[] = [];
  for (const ours of plan.registrations) {
    if (aliasPrimary(ours) !== undefined) {
      differences.push(`port ${ours.Port}: also registered as ${ours.Name} here (SERVICE_ALIASES); Registrator registers no aliases`);
      continue;
    }
    const their = theirs.find((t) => t.port === ours.Port);
    if (!their) {
      differences.push(`port ${ours.Port}: registered here as ${ours.Name}; Registrator would not register it`);
      continue;
    }
    if (their.name !== ours.Name)
      differences.push(`port ${ours.Port}: named ${ours.Name} here, ${their.name || '(nothing)'} by Registrator`);
    if (their.tags.join(',') !== ours.Tags.join(',')) {
      differences.push(
        `port ${ours.Port}: tags ${ours.Tags.join(',') || '(none)'} here, ${their.tags.join(',') || '(none)'} by Registrator`,
      );
    }
    const kinds = ours.Checks.map((c) => c.CheckID.slice(c.CheckID.lastIndexOf(':') + 1)).filter((k) =>
      CHECK_KINDS.some(([, kind]) => kind === k),
    );
    if (their.check === 'script') {
      differences.push(
        `port ${ours.Port}: the script check runs inside the container, reported through a TTL check (Consul ran it on the host for Registrator)`,
      );
    } else if (kinds.join(',') !== (their.check ?? '')) {
      differences.push(
        `port ${ours.Port}: checks ${kinds.join(', ') || '(none)'} here, ` +
          `${their.check ?? '(none)'} by Registrator (it registers only the first kind)`,
      );
    }
  }
  for (const their of theirs) {
    if (!plan.registrations.some((r) => r.Port === their.port)) {
      const why = plan.skipped ? ` (${plan.skipped.text})` : ' (see the findings)';
      differences.push(`port ${their.port}: Registrator registered it as ${their.name}; not registered here${why}`);
    }
  }
  return differences;
}
