// Which services are this registrar's: the Meta keys it stamps on every registration, and the rule
// that a service without them (or with another host ID's) is never overwritten and never removed.
import { OWNER_META } from '../model/registration.js';
import type { AgentService, ServiceAgent } from './service-agent.js';

export { OWNER_META };

/** A service on the local agent that carries this registrar's ownership Meta. */
export interface OwnedService {
  id: string;
  name: string;
  address: string;
  port: number;
  containerId: string;
  hash: string;
}

/** The services this host ID owns on the agent (one container's only, when given); one request. */
export async function ownedServices(agent: ServiceAgent, hostId: string, containerId?: string): Promise<OwnedService[]> {
  const meta: Record<string, string> = { [OWNER_META.host]: hostId };
  if (containerId !== undefined) meta[OWNER_META.container] = containerId;
  return (await agent.servicesWithMeta(meta)).map(owned);
}

/** The services among these that this host ID owns. */
export function ownedAmong(services: AgentService[], hostId: string): OwnedService[] {
  return services.filter((s) => s.meta[OWNER_META.host] === hostId).map(owned);
}

function owned(s: AgentService): OwnedService {
  return {
    id: s.id,
    name: s.name,
    address: s.address,
    port: s.port,
    containerId: s.meta[OWNER_META.container] ?? '',
    hash: s.meta[OWNER_META.hash] ?? '',
  };
}

/** Who holds a service ID that the agent already has, as seen by the registrar of `hostId`. */
export type Holder = { kind: 'this-container' } | { kind: 'our-container'; containerId: string } | { kind: 'foreign' };

export function holderOf(meta: Record<string, string>, hostId: string, containerId: string): Holder {
  if (meta[OWNER_META.host] !== hostId) return { kind: 'foreign' };
  const holder = meta[OWNER_META.container] ?? '';
  return holder === containerId ? { kind: 'this-container' } : { kind: 'our-container', containerId: holder };
}
