// What reconciling needs from the local Consul agent, declared on this side so that the reconciler
// is tested against an in-memory agent (test/support/memory-agent.ts) and consul/ implements it.
import type { Registration } from '../model/registration.js';
import type { AgentCheck, AgentService } from '../consul/types.js';

export type { AgentCheck, AgentService };

export interface ServiceAgent {
  /** Services whose Meta holds every one of these pairs. */
  servicesWithMeta(meta: Record<string, string>): Promise<AgentService[]>;
  /**
   * The agent's services whose ID is one of these regardless of case: the agent keeps IDs that differ
   * only in case apart, but Consul's catalog takes them for one service (seen on 1.8.7).
   */
  servicesWithIds(ids: string[]): Promise<AgentService[]>;
  /** Services whose Meta holds every one of these pairs, and those whose ID starts with one of the prefixes (regardless of case): one request. */
  servicesWithMetaOrIdPrefixes(meta: Record<string, string>, prefixes: string[]): Promise<AgentService[]>;
  /** The agent's services whose whole ID matches this regular expression (RE2 and JavaScript alike). */
  servicesWithIdMatching(expression: string): Promise<AgentService[]>;
  /** Whether Consul DNS answers with this service: no check of it is critical. */
  answersInDns(serviceId: string): Promise<boolean>;
  /** Every check on the agent with its status and output: read once per full pass, never per event. */
  checks(): Promise<AgentCheck[]>;
  /** Registers or replaces a service with exactly its checks; a 4xx refusal has statusCode set. */
  register(reg: Registration): Promise<void>;
  /** Removes a service; one the agent does not have counts as removed. */
  deregister(serviceId: string): Promise<void>;
}
