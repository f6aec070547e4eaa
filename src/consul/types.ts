/** A service as the local agent lists it: what consul/agent.ts returns and reconcile/ works on. */
export interface AgentService {
  id: string;
  name: string;
  address: string;
  port: number;
  meta: Record<string, string>;
}
