// An in-memory Consul agent for unit tests of the reconciler and the whole registrar (as Nomad's
// catalog_testing.go is for its service client): it behaves like Consul 1.8 where the registrar
// depends on it. Unknown fields are a 400, IDs are kept as given, a re-registration keeps the
// status of checks it still has, deregistering an unknown ID succeeds, a TTL update of an unknown
// check is a 404, and the state can be lost as a restarted dev agent's.
import type { Registration } from '../../src/model/registration.js';
import type { TokenApi } from '../../src/reconcile/proxy-tokens.js';
import type { AgentCheck, AgentService, ServiceAgent } from '../../src/reconcile/service-agent.js';
import type { RegistrarAgent } from '../../src/run-context.js';

// Kind, Proxy and Connect: the fields of a Connect sidecar or Connect-native service; TaggedAddresses, Weights and
// EnableTagOverride: fields of every service (Consul 1.8 takes them all).
const SERVICE_FIELDS = new Set([
  ...['ID', 'Name', 'Tags', 'Address', 'Port', 'Meta', 'Checks', 'Kind', 'Proxy', 'Connect'],
  ...['TaggedAddresses', 'Weights', 'EnableTagOverride'],
]);
const CHECK_FIELDS = new Set([
  'CheckID',
  'Name',
  'HTTP',
  'Method',
  'TLSSkipVerify',
  'TCP',
  'GRPC',
  'GRPCUseTLS',
  'Interval',
  'TTL',
  'Timeout',
  'Status',
  'DeregisterCriticalServiceAfter',
  'Notes',
  'SuccessBeforePassing',
  'FailuresBeforeCritical',
  'AliasService',
]);

export class MemoryAgent implements ServiceAgent, RegistrarAgent {
  readonly services = new Map<string, Registration>();
  readonly checkStatus = new Map<string, string>();
  /** Its node ID (/v1/agent/self): a restart that lost the state comes back as a new node. */
  nodeId = 'memory-node-1';
  private restarts = 1;
  /** Calls of self(): what the agent watch polls. */
  selfCalls = 0;
  /** While set, self() fails as an agent that does not answer. */
  unreachable = false;
  /** Every TTL update it accepted, in order. */
  readonly ttlUpdates: { checkId: string; status: string; output: string }[] = [];
  readonly acl = new MemoryTokens();
  /** Look-ups of IDs by the ownership guard. */
  reads = 0;
  /** Every write, in order: what a test counts to see that nothing was written. */
  readonly writes: string[] = [];
  /** Refuses registrations it matches with this status and body (an ACL token limited to some names, a revoked one). */
  refuse: ((reg: Registration) => number | { status: number; body: string } | undefined) | undefined;

  async servicesWithMeta(meta: Record<string, string>): Promise<AgentService[]> {
    return [...this.services.values()].filter((s) => Object.entries(meta).every(([k, v]) => s.Meta[k] === v)).map(listed);
  }

  async servicesWithMetaOrIdPrefixes(meta: Record<string, string>, prefixes: string[]): Promise<AgentService[]> {
    this.reads++;
    const wanted = prefixes.map((p) => p.toLowerCase());
    return [...this.services.values()]
      .filter((s) => Object.entries(meta).every(([k, v]) => s.Meta[k] === v) || wanted.some((p) => s.ID.toLowerCase().startsWith(p)))
      .map(listed);
  }

  async answersInDns(serviceId: string): Promise<boolean> {
    const reg = this.services.get(serviceId);
    return reg !== undefined && reg.Checks.every((c) => (this.checkStatus.get(c.CheckID) ?? c.Status ?? 'critical') !== 'critical');
  }

  /** Output of a check by ID, as the agent would report it (empty unless a test sets it). */
  readonly checkOutput = new Map<string, string>();

  /** Reads of every check (full passes only). */
  checkReads = 0;

  async checks(): Promise<AgentCheck[]> {
    this.checkReads++;
    return [...this.services.values()].flatMap((s) =>
      s.Checks.map((c) => ({
        checkId: c.CheckID,
        serviceId: s.ID,
        status: this.checkStatus.get(c.CheckID) ?? c.Status ?? 'critical',
        output: this.checkOutput.get(c.CheckID) ?? '',
      })),
    );
  }

  async servicesWithIdMatching(expression: string): Promise<AgentService[]> {
    this.reads++;
    const whole = new RegExp(`^(?:${expression})$`);
    return [...this.services.values()].filter((s) => whole.test(s.ID)).map(listed);
  }

  async servicesWithIds(ids: string[]): Promise<AgentService[]> {
    this.reads++;
    const wanted = new Set(ids.map((id) => id.toLowerCase()));
    return [...this.services.values()].filter((s) => wanted.has(s.ID.toLowerCase())).map(listed);
  }

  async register(reg: Registration): Promise<void> {
    const unknown = [
      ...Object.keys(reg).filter((k) => !SERVICE_FIELDS.has(k)),
      ...reg.Checks.flatMap((c) => Object.keys(c).filter((k) => !CHECK_FIELDS.has(k))),
    ];
    if (unknown.length > 0) throw refusal(400, `Request decode failed: json: unknown field "${unknown[0]}"`);
    const answer = this.refuse?.(reg);
    if (typeof answer === 'number') throw refusal(answer, 'Permission denied');
    if (answer !== undefined) throw refusal(answer.status, answer.body);
    this.writes.push(`register ${reg.ID}`);
    const before = this.services.get(reg.ID);
    for (const check of before?.Checks ?? [])
      if (!reg.Checks.some((c) => c.CheckID === check.CheckID)) this.checkStatus.delete(check.CheckID);
    for (const check of reg.Checks)
      if (!this.checkStatus.has(check.CheckID)) this.checkStatus.set(check.CheckID, check.Status ?? 'critical');
    this.services.set(reg.ID, structuredClone(reg));
  }

  async deregister(serviceId: string): Promise<void> {
    this.writes.push(`deregister ${serviceId}`);
    for (const check of this.services.get(serviceId)?.Checks ?? []) this.checkStatus.delete(check.CheckID);
    this.services.delete(serviceId);
  }

  async self(): Promise<{ nodeId: string }> {
    this.selfCalls++;
    if (this.unreachable) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8500'), { code: 'ECONNREFUSED' });
    return { nodeId: this.nodeId };
  }

  async updateTtl(checkId: string, status: string, output: string): Promise<void> {
    const known = [...this.services.values()].some((s) => s.Checks.some((c) => c.CheckID === checkId && c.TTL !== undefined));
    if (!known) throw refusal(404, `Unknown check ID "${checkId}". Ensure that the check ID is passed, not the check name.`);
    this.ttlUpdates.push({ checkId, status, output });
    this.checkStatus.set(checkId, status);
  }

  /** A service registered by someone else (no ownership Meta unless given). */
  foreign(id: string, meta: Record<string, string> = {}): void {
    this.services.set(id, { ID: id, Name: id, Tags: [], Address: '192.0.2.1', Port: 1, Meta: meta, Checks: [] });
  }

  /** The agent restarted without its state, as a dev agent does (as a new node, unless `sameNode`). */
  loseState(sameNode = false): void {
    this.services.clear();
    this.checkStatus.clear();
    if (!sameNode) this.nodeId = `memory-node-${++this.restarts}`;
  }
}

/** Consul's ACL token API in memory: tokens by accessor, never checked against anything. */
export class MemoryTokens implements TokenApi {
  readonly tokens = new Map<string, { description: string; serviceIdentities: string[]; secretId: string }>();
  private next = 1;

  async create(request: { description: string; serviceIdentities: string[] }): Promise<{ accessorId: string; secretId: string }> {
    const accessorId = `accessor-${this.next}`;
    const secretId = `secret-${this.next++}`;
    this.tokens.set(accessorId, { ...request, secretId });
    return { accessorId, secretId };
  }

  async list(): Promise<{ accessorId: string; description: string }[]> {
    return [...this.tokens].map(([accessorId, t]) => ({ accessorId, description: t.description }));
  }

  async delete(accessorId: string): Promise<void> {
    this.tokens.delete(accessorId);
  }
}

function listed(s: Registration): AgentService {
  return { id: s.ID, name: s.Name, address: s.Address, port: s.Port, meta: { ...s.Meta } };
}

function refusal(statusCode: number, body: string): Error {
  return Object.assign(new Error(`${statusCode}`), { statusCode, isPapi: true, response: { body } });
}
