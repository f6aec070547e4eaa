// A service's TaggedAddresses: `lan` is the container's own address and port, `wan` the pair a
// client outside the routable LAN reaches it on (a port published on the host, or the label's), so
// that Consul's translate_wan_addrs and catalog readers can hand each client the pair it can use.
import { isIP } from 'node:net';
import type { ContainerFacts, Protocol } from './facts.js';
import { ipLiteral, wanAddressRefusal, type AddressOptions } from './address.js';
import { parseBool, type SettingMap } from './settings.js';
import type { Finding } from './findings.js';
import { finding } from './finding-codes.js';
import { shown } from './show.js';

export interface TaggedAddress {
  Address: string;
  Port: number;
}

export interface AddressRequest {
  facts: ContainerFacts;
  address: string;
  port: number;
  protocol: Protocol;
  settings: SettingMap;
  options: AddressOptions;
  findings: Finding[];
}

const WAN_ADDRESS = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/;
const EVERY_ADDRESS = new Set(['', '0.0.0.0', '::']);

/** The service's tagged addresses, or undefined when SERVICE_TAGGED_ADDRESSES turns them off. */
export function taggedAddresses(r: AddressRequest): Record<string, TaggedAddress> | undefined {
  if (!wanted(r)) return undefined;
  const lan = { Address: r.address, Port: r.port };
  const wan = labelledWan(r) ?? publishedWan(r);
  return {
    lan,
    [familyKey('lan', r.address)]: lan,
    ...(wan ? { wan, [familyKey('wan', wan.Address)]: wan } : {}),
  };
}

function familyKey(prefix: 'lan' | 'wan', address: string): string {
  return `${prefix}_${isIP(address) === 6 ? 'ipv6' : 'ipv4'}`;
}

function wanted(r: AddressRequest): boolean {
  const value = r.settings.get('tagged_addresses');
  if (value === undefined) return true;
  const on = parseBool(value);
  if (on === undefined) {
    r.findings.push(
      finding('tagged-addresses-not-boolean', `SERVICE_TAGGED_ADDRESSES ${shown(value)} is not on or off; they are registered`, {
        port: r.port,
        label: 'SERVICE_TAGGED_ADDRESSES',
      }),
    );
  }
  return on !== false;
}

/** SERVICE_WAN_ADDRESS=ip:port ([ipv6]:port), under SERVICE_IP's address policy; refused: the published port is used. */
function labelledWan(r: AddressRequest): TaggedAddress | undefined {
  const value = r.settings.get('wan_address');
  if (value === undefined) return undefined;
  const m = WAN_ADDRESS.exec(value.trim());
  const ip = m ? (m[1] ?? m[2] ?? '') : '';
  const port = m ? Number(m[3]) : 0;
  const refusal = !m
    ? 'is not ip:port (an IPv6 address in brackets)'
    : port < 1 || port > 65535
      ? 'has a port outside 1-65535'
      : wanAddressRefusal(ip, r.facts, r.options);
  if (refusal === undefined) return { Address: ip, Port: port };
  r.findings.push(
    finding('wan-address-refused', `SERVICE_WAN_ADDRESS ${shown(value)} ${refusal}; the published port, if any, is the wan address`, {
      port: r.port,
      label: 'SERVICE_WAN_ADDRESS',
    }),
  );
  return undefined;
}

/** The host port the engine published this port on, at the address it is bound to or else --host-ip. */
function publishedWan(r: AddressRequest): TaggedAddress | undefined {
  const bindings = (r.facts.publishedPorts ?? []).filter((p) => p.port === r.port && p.protocol === r.protocol);
  for (const b of bindings) {
    const address = EVERY_ADDRESS.has(b.hostIp) ? r.options.hostIp : b.hostIp;
    // A binding to the host's loopback reaches nobody outside it; --host-ip unknown: no wan address.
    if (address === undefined || ipLiteral(address) === 0 || /^(127\.|::1$)/.test(address)) continue;
    return { Address: address, Port: b.hostPort };
  }
  return undefined;
}
