// What reconciling needs from the local Consul agent, declared on this side so that the reconciler
// is tested against an in-memory agent (test/support/memory-agent.ts) and consul/ implements it.
import type { Registration } from '../model/registration.js';

export interface AgentService {
  id: string;
  name: string;
  address: string;
  port: number;
  meta: Record<string, string>;
}

export interface ServiceAgent {
  /** Services whose Meta holds every one of these pairs. */
  servicesWithMeta(meta: Record<string, string>): Promise<AgentService[]>;
  /** The Meta of each of these IDs the agent has; absent ones are left out. */
  metaOf(ids: string[]): Promise<Map<string, Record<string, string>>>;
  /** Registers or replaces a service with exactly its checks; a 4xx refusal has statusCode set. */
  register(reg: Registration): Promise<void>;
  /** Removes a service; one the agent does not have counts as removed. */
  deregister(serviceId: string): Promise<void>;
}
