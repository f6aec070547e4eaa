// What gliderlabs/registrator left on the agent for a container, so that --replace-registrator can
// take it over: its Consul backend writes no Meta, and its IDs are "<its hostname>:<container
// name>:<exposed port>[:udp]" (bridge/bridge.go), or the container's SERVICE_ID.
import type { ContainerFacts } from '../model/facts.js';
import { escapeRegExp } from '../model/regexp.js';
import type { AgentService } from './service-agent.js';

/**
 * A regular expression (RE2 and JavaScript alike) for the agent's filter: IDs in Registrator's
 * scheme for this container name, whatever host name Registrator had.
 */
export function registratorIdExpression(containerName: string): string {
  return `.+:${escapeRegExp(containerName)}:[0-9]+(:udp)?$`;
}

/**
 * Whether a service on the agent is Registrator's registration of this running container: no Meta
 * at all, and the container's own address (Registrator's -internal). The address keeps another
 * host's container of the same name (many Registrators wrote to one agent) out of it, and a
 * container author cannot reach another service through a name of their choosing: the host's
 * address is not accepted, though Registrator without -internal used it (those entries are left).
 */
export function isRegistratorEntryOf(service: AgentService, facts: ContainerFacts): boolean {
  if (!facts.running || Object.keys(service.meta).length > 0) return false;
  return containerAddresses(facts).includes(service.address);
}

function containerAddresses(facts: ContainerFacts): string[] {
  return facts.networks.flatMap((n) => [n.ipv4, n.ipv6]).filter((ip) => ip !== '');
}

/**
 * Registrator's entries for this container's ports, under Registrator's own IDs, by the container
 * port each served: what --replace-registrator removes once that port is registered here.
 */
export function registratorEntries(services: AgentService[], facts: ContainerFacts): Map<string, number> {
  const scheme = new RegExp(`^${registratorIdExpression(facts.name)}`);
  const entries = new Map<string, number>();
  for (const service of services) {
    if (!scheme.test(service.id) || !isRegistratorEntryOf(service, facts)) continue;
    const [, port = '', udp] = /:([0-9]+)(:udp)?$/.exec(service.id) ?? [];
    const exposed = facts.exposedPorts.some((p) => p.port === Number(port) && p.protocol === (udp ? 'udp' : 'tcp'));
    // Under the container's own address it is the container port too (Registrator's -internal).
    if (exposed && service.port === Number(port)) entries.set(service.id, Number(port));
  }
  return entries;
}
