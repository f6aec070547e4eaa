import { isIP } from 'node:net';
import type { ContainerFacts, NetworkFact } from './facts.js';

export interface AddressOptions {
  /** The network to use when a container is on several (--network). */
  network?: string;
  /** The host's address, for containers in host network mode (--host-ip or detected). */
  hostIp?: string;
  /** Which of a dual-stack network's addresses to register (--ip-family, label SERVICE_IP_FAMILY). */
  ipFamily?: IpFamily;
}

export type IpFamily = 'ipv4' | 'ipv6';

export type AddressChoice = { address: string; network: string } | { skip: string };

/**
 * The routable address a container is reached on. Order: SERVICE_IP; host network mode → the
 * host's address; SERVICE_NETWORK; the --network flag when the container is on it; its only
 * network; else the first network by name (a deterministic choice, with a warning).
 * On a dual-stack network the preferred family's address is used (IPv4 unless told otherwise);
 * a network with only the other family gives that one.
 */
export function chooseAddress(
  facts: ContainerFacts,
  serviceIp: string | undefined,
  serviceNetwork: string | undefined,
  options: AddressOptions,
  warnings: string[],
): AddressChoice {
  if (serviceIp !== undefined) {
    if (isIP(serviceIp.trim()) !== 0) return { address: serviceIp.trim(), network: 'SERVICE_IP' };
    warnings.push(`SERVICE_IP "${serviceIp}" is not an IP address; it is ignored (write e.g. SERVICE_IP=10.99.1.5)`);
  }
  if (facts.networkMode === 'host') {
    if (options.hostIp) return { address: options.hostIp, network: 'host' };
    return { skip: 'host network mode and the host address is unknown: set --host-ip' };
  }
  const addressOf = (n: NetworkFact): string => (options.ipFamily === 'ipv6' ? n.ipv6 || n.ipv4 : n.ipv4 || n.ipv6);
  const pick = (n: NetworkFact): AddressChoice => ({ address: addressOf(n), network: n.name });
  const usable = facts.networks.filter((n) => addressOf(n) !== '').sort((a, b) => a.name.localeCompare(b.name));
  if (usable.length === 0) return { skip: 'no network with an IP address (network mode ' + facts.networkMode + ')' };

  if (serviceNetwork !== undefined) {
    const chosen = usable.find((n) => n.name === serviceNetwork);
    if (chosen) return pick(chosen);
    warnings.push(
      `SERVICE_NETWORK "${serviceNetwork}" is not one of the container's networks (${names(usable)}); ` +
        'the container is not registered until the label names one of them',
    );
    return { skip: `SERVICE_NETWORK "${serviceNetwork}" is not one of its networks` };
  }
  const flagged = options.network === undefined ? undefined : usable.find((n) => n.name === options.network);
  if (flagged) return pick(flagged);
  if (usable.length > 1) {
    warnings.push(
      `container is on several networks (${names(usable)}); using "${usable[0]!.name}", the first by name. ` +
        'Set the SERVICE_NETWORK label (or --network) to choose',
    );
  }
  return pick(usable[0]!);
}

function names(networks: NetworkFact[]): string {
  return networks.map((n) => n.name).join(', ');
}

const FAMILIES = new Map<string, IpFamily>([['4', 'ipv4'], ['ipv4', 'ipv4'], ['6', 'ipv6'], ['ipv6', 'ipv6']]);

/** Reads an IP family setting (4, 6, ipv4, ipv6); undefined when it is none of them. */
export function parseIpFamily(value: string): IpFamily | undefined {
  return FAMILIES.get(value.trim().toLowerCase());
}

/** host:port as URLs and Consul's TCP checks want it: IPv6 addresses in brackets. */
export function hostPort(address: string, port: number): string {
  return isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}
