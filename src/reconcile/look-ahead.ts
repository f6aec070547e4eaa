// What the agent has for one sync, asked while Docker is asked: the container's own services and,
// after a start event, the services under the IDs it is likely to ask for (the ownership guard's
// look-ahead), in one request. Only IDs neither the look-ahead nor a full pass's list covers cost
// one more question, once the plan is known.
import { likelyIdPrefixes } from '../model/service-id.js';
import type { Registration } from '../model/registration.js';
import { OWNER_META, ownedAmong, ownedServices, type OwnedService } from './ownership.js';
import type { AgentService, ServiceAgent } from './service-agent.js';

/** The agent's services under the ID prefixes a start event's labels suggest. */
export interface LookAhead {
  prefixes: string[];
  services: AgentService[];
}

export interface AgentView {
  owned: Promise<OwnedService[]>;
  /** Undefined when not asked for, or when asking failed: it only saves a question. */
  lookAhead: Promise<LookAhead | undefined>;
}

export interface AgentViewRequest {
  hostId: string;
  containerId: string;
  /** A start event's name and labels: the look-ahead is asked for with them. */
  seen?: { name: string; labels: Record<string, string> } | undefined;
}

export function agentView(consul: ServiceAgent, request: AgentViewRequest): AgentView {
  const { hostId, containerId, seen } = request;
  if (!seen) return { owned: ownedServices(consul, hostId, containerId), lookAhead: Promise.resolve(undefined) };
  const prefixes = likelyIdPrefixes(hostId, seen.name, seen.labels).map((p) => p.toLowerCase());
  const both = consul.servicesWithMetaOrIdPrefixes({ [OWNER_META.host]: hostId, [OWNER_META.container]: containerId }, prefixes);
  return {
    owned: both.then((services) => ownedAmong(services, hostId).filter((s) => s.containerId === containerId)),
    // A failed look-ahead only costs the question it would have saved (the owned part fails the sync).
    lookAhead: both.then(
      (services) => ({ prefixes, services: services.filter((s) => prefixes.some((p) => s.id.toLowerCase().startsWith(p))) }),
      () => undefined,
    ),
  };
}

/** What is already known of the agent's services beyond the container's own. */
export interface KnownServices {
  /** Every service on the agent, as a full pass read it. */
  snapshot?: AgentService[] | undefined;
  lookAhead?: LookAhead | undefined;
}

/**
 * The agent's services under these IDs (regardless of case): from the full pass's list, else from
 * the look-ahead, and only for IDs neither covers, asked.
 */
export async function servicesUnder(consul: ServiceAgent, wanted: Registration[], known: KnownServices): Promise<AgentService[]> {
  const { snapshot, lookAhead } = known;
  const ids = new Set(wanted.map((r) => r.ID.toLowerCase()));
  const covered = (r: Registration) => lookAhead?.prefixes.some((p) => r.ID.toLowerCase().startsWith(p)) ?? false;
  const unknown = snapshot ? [] : wanted.filter((r) => !covered(r)).map((r) => r.ID);
  const asked = unknown.length > 0 ? await consul.servicesWithIds(unknown) : [];
  return [...(snapshot ?? lookAhead?.services ?? []), ...asked].filter((s) => ids.has(s.id.toLowerCase()));
}
