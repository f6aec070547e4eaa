import { BlockList, isIP } from 'node:net';
import type { ContainerFacts, NetworkFact } from './facts.js';
import type { Finding } from './findings.js';
import { finding } from './finding-codes.js';
import { shown } from './show.js';

export interface AddressOptions {
  /** The network to use when a container is on several (--network). */
  network?: string;
  /** The host's address, for containers in host network mode (--host-ip or detected). */
  hostIp?: string;
  /** Which of a dual-stack network's addresses to register (--ip-family, label SERVICE_IP_FAMILY). */
  ipFamily?: IpFamily;
  /** --allow-any-service-ip: SERVICE_IP may name an address outside the container's own networks. */
  anyServiceIp?: boolean;
  /**
   * Every address of every interface of the host (read by the edge): never another container's
   * SERVICE_IP, even where the host's LAN address lies inside the container's subnet (macvlan, ipvlan).
   */
  hostAddresses?: string[];
  /**
   * A rootless engine (rootless Podman or Docker): its containers' networks live in a user
   * namespace no other host reaches, so only host-network containers have a routable address.
   */
  rootless?: boolean;
}

export type IpFamily = 'ipv4' | 'ipv6';

export type AddressChoice = { address: string; network: string } | { skip: Finding };

/**
 * The routable address a container is reached on. Order: SERVICE_IP; host network mode → the
 * host's address; SERVICE_NETWORK; the --network flag when the container is on it; its only
 * network; else the first network by name (a deterministic choice, with a finding).
 * On a dual-stack network the preferred family's address is used (IPv4 unless told otherwise);
 * a network with only the other family gives that one.
 */
export function chooseAddress(
  facts: ContainerFacts,
  serviceIp: string | undefined,
  serviceNetwork: string | undefined,
  options: AddressOptions,
  findings: Finding[],
): AddressChoice {
  if (options.rootless && facts.networkMode !== 'host') {
    return { skip: finding('rootless-network', "a rootless engine's container networks are not reachable from other hosts") };
  }
  if (serviceIp !== undefined) {
    const ip = serviceIp.trim();
    const refusal =
      ipLiteral(ip) === 0 ? 'is not an IP address (a zone ID such as %eth0 is not accepted either)' : serviceIpRefusal(ip, facts, options);
    if (refusal === undefined) return { address: ip, network: 'SERVICE_IP' };
    findings.push(
      finding('service-ip-refused', `SERVICE_IP ${shown(serviceIp)} ${refusal}; the container's own address is registered instead`, {
        label: 'SERVICE_IP',
      }),
    );
  }
  if (facts.networkMode === 'host') {
    if (options.hostIp) return { address: options.hostIp, network: 'host' };
    return { skip: finding('host-ip-unknown', 'host network mode and the host address is unknown') };
  }
  const addressOf = (n: NetworkFact): string => (options.ipFamily === 'ipv6' ? n.ipv6 || n.ipv4 : n.ipv4 || n.ipv6);
  const pick = (n: NetworkFact): AddressChoice => ({ address: addressOf(n), network: n.name });
  const usable = facts.networks.filter((n) => addressOf(n) !== '').sort((a, b) => a.name.localeCompare(b.name));
  if (usable.length === 0) return { skip: finding('no-address', `no network with an IP address (network mode ${facts.networkMode})`) };

  if (serviceNetwork !== undefined) {
    const chosen = usable.find((n) => n.name === serviceNetwork);
    if (chosen) return pick(chosen);
    const text = `SERVICE_NETWORK ${shown(serviceNetwork)} is not one of the container's networks (${names(usable)}); it is not registered`;
    return { skip: finding('service-network-unknown', text, { label: 'SERVICE_NETWORK' }) };
  }
  const flagged = options.network === undefined ? undefined : usable.find((n) => n.name === options.network);
  if (flagged) return pick(flagged);
  if (usable.length > 1) {
    findings.push(
      finding('several-networks', `container is on several networks (${names(usable)}); using "${usable[0]!.name}", the first by name`),
    );
  }
  return pick(usable[0]!);
}

function names(networks: NetworkFact[]): string {
  return networks.map((n) => n.name).join(', ');
}

const FAMILIES = new Map<string, IpFamily>([
  ['4', 'ipv4'],
  ['ipv4', 'ipv4'],
  ['6', 'ipv6'],
  ['ipv6', 'ipv6'],
]);

/** Reads an IP family setting (4, 6, ipv4, ipv6); undefined when it is none of them. */
export function parseIpFamily(value: string): IpFamily | undefined {
  return FAMILIES.get(value.trim().toLowerCase());
}

/**
 * 4 or 6 for a plain IP address, else 0. Node's isIP also accepts a zone ID ("fe80::1%eth0",
 * "::ffff:10.0.0.1%0"), which no URL, no Consul check and no other host can use.
 */
export function ipLiteral(value: string): 0 | 4 | 6 {
  if (value.includes('%')) return 0;
  const family = isIP(value);
  return family === 4 || family === 6 ? family : 0;
}

/** host:port as URLs and Consul's TCP checks want it: IPv6 addresses in brackets. */
export function hostPort(address: string, port: number): string {
  return isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}

// Addresses no service is reached on from another host, and the ones a check must never be pointed
// at (the agent's own loopback, cloud metadata): never registered, --allow-any-service-ip or not.
const NEVER = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local: AWS, GCP, Azure, OpenStack, DigitalOcean metadata at 169.254.169.254, Tencent's 169.254.0.23
  ['224.0.0.0', 4],
  ['255.255.255.255', 32],
] as const) {
  NEVER.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  NEVER.addSubnet(net, prefix, 'ipv6');

/**
 * Cloud metadata and platform endpoints outside link-local: each hands out instance credentials or
 * configuration to whoever asks from the instance, so an agent's check must never be aimed at one.
 */
export const METADATA_ADDRESSES: readonly string[] = [
  'fd00:ec2::254', // AWS instance metadata (IMDS) over IPv6
  'fd00:ec2::253', // AWS Route 53 resolver over IPv6, the same platform endpoint range
  'fd20:ce::254', // Google Cloud metadata server over IPv6
  '100.100.100.200', // Alibaba Cloud metadata
  '192.0.0.192', // Oracle Cloud metadata (OCI Classic, and OCI's older endpoint)
  '168.63.129.16', // Azure WireServer: the host's platform endpoint (VM agent configuration, certificates)
];
for (const address of METADATA_ADDRESSES) NEVER.addAddress(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');

/**
 * Why SERVICE_IP may not be used, or undefined when it may: by default only an address inside one
 * of the container's own subnets (or the host's address for a host-network container), so a label
 * cannot point a service name, and the agent's checks, at someone else's machine.
 */
function serviceIpRefusal(ip: string, facts: ContainerFacts, options: AddressOptions): string | undefined {
  const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  if (NEVER.check(ip, family)) {
    return 'is a loopback, link-local, unspecified or multicast address, or a cloud metadata address, which is never registered';
  }
  if (isHostAddress(ip, options)) {
    // A host-network container shares the host's addresses: naming one reaches nothing it cannot reach.
    if (facts.networkMode === 'host') return undefined;
    return "is one of the host's own addresses (the host's services are not the container's), which is never registered";
  }
  if (options.anyServiceIp) return undefined;
  const own = new BlockList();
  const hosts = new BlockList();
  for (const n of facts.networks) {
    if (n.ipv4 && n.ipv4PrefixLength > 0) own.addSubnet(n.ipv4, n.ipv4PrefixLength, 'ipv4');
    if (n.ipv6 && n.ipv6PrefixLength > 0) own.addSubnet(n.ipv6, n.ipv6PrefixLength, 'ipv6');
    for (const gateway of n.gateways) hosts.addAddress(gateway, isIP(gateway) === 6 ? 'ipv6' : 'ipv4');
    for (const edge of subnetEdges(n.ipv4, n.ipv4PrefixLength)) hosts.addAddress(edge, 'ipv4');
  }
  // The gateway is the Docker host (its agent, its other services); the subnet's first and last
  // addresses are no container's.
  if (hosts.check(ip, family)) return "is the network's gateway (the Docker host), network or broadcast address, which is never registered";
  if (own.check(ip, family)) return undefined;
  return "is outside the container's own networks (the operator allows that with --allow-any-service-ip)";
}

/**
 * Why SERVICE_WAN_ADDRESS may not name this IP, or undefined when it may: SERVICE_IP's policy, except
 * that the host's own addresses are allowed, since a published port is reached on one of them.
 */
export function wanAddressRefusal(ip: string, facts: ContainerFacts, options: AddressOptions): string | undefined {
  if (ipLiteral(ip) === 0) return 'is not an IP address (a zone ID such as %eth0 is not accepted either)';
  if (isHostAddress(ip, options) && !NEVER.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4')) return undefined;
  return serviceIpRefusal(ip, facts, options);
}

/** Whether the address is the --host-ip or any address of any host interface, in any spelling. */
function isHostAddress(ip: string, options: AddressOptions): boolean {
  const host = new BlockList();
  for (const address of [...(options.hostAddresses ?? []), ...(options.hostIp ? [options.hostIp] : [])]) {
    const family = ipLiteral(address);
    if (family !== 0) host.addAddress(address, family === 6 ? 'ipv6' : 'ipv4');
  }
  return host.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4');
}

/** The network and broadcast addresses of an IPv4 subnet (none for /31 and /32, where every address is a host's). */
function subnetEdges(ipv4: string, prefix: number): string[] {
  if (!ipv4 || prefix <= 0 || prefix >= 31) return [];
  const value = ipv4.split('.').reduce((n, part) => n * 256 + Number(part), 0);
  const size = 2 ** (32 - prefix);
  const network = value - (value % size);
  const dotted = (n: number) => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
  return [dotted(network), dotted(network + size - 1)];
}
