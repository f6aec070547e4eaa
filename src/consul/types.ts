/** A service as the local agent lists it: what consul/agent.ts returns and reconcile/ works on. */
export interface AgentService {
  id: string;
  name: string;
  address: string;
  port: number;
  meta: Record<string, string>;
}

/** A check as the local agent lists it (GET /v1/agent/checks). */
export interface AgentCheck {
  checkId: string;
  /** The service it belongs to; empty for a node check. */
  serviceId: string;
  status: string;
  output: string;
}
