import type Consul from 'consul';
import type { Registration } from '../model/registration.js';
import { escapeRegExp } from '../model/regexp.js';
import type { ConsulConnection } from './client.js';
import { describeError } from '../errors.js';
import { isUnknownToken, statusOf } from './errors.js';
import { AclTokens } from './acl.js';
import { AgentHttp } from './http.js';
import type { TokenSource } from './token.js';
import type { AgentCheck, AgentService } from './types.js';

interface AgentServiceJson {
  ID: string;
  Service: string;
  Address: string;
  Port: number;
  Meta?: Record<string, string> | null;
}

/** The local Consul agent's HTTP API, as far as the registrar uses it. It knows no policy: which services are ours is reconcile/'s. */
/** What the registrar reads of the agent at start (GET /v1/agent/self). */
export interface AgentSelf {
  version: string;
  address: string;
  nodeId: string;
  /** Connect is enabled (DebugConfig.ConnectEnabled). */
  connect: boolean;
  /** ACLs are enabled (DebugConfig.ACLsEnabled). */
  acls: boolean;
  /** Where its HTTP API listens (-client), and on which ports (-1: off): where containers may reach it. */
  clientAddrs: string[];
  httpPort: number;
  httpsPort: number;
}

export class ConsulAgent {
  private readonly client: Consul;
  private readonly http: AgentHttp;
  private readonly tokens: TokenSource;
  /** The ACL token API, with the registrar's own token. */
  readonly acl: AclTokens;

  constructor(connection: ConsulConnection) {
    this.client = connection.client;
    this.tokens = connection.tokens;
    this.http = new AgentHttp(connection.baseUrl, connection.agent, () => this.tokens.current, connection.timeoutMs);
    this.acl = new AclTokens(this.http, (call) => this.withToken(call));
  }

  async self(): Promise<AgentSelf> {
    const self = (await this.withToken((token) => this.client.agent.self(token ? { token } : {}))) as {
      Config: { Version: string; NodeID: string };
      DebugConfig?: { ConnectEnabled?: boolean; ACLsEnabled?: boolean; ClientAddrs?: string[]; HTTPPort?: number; HTTPSPort?: number };
      Member: { Addr: string };
    };
    // DebugConfig is the agent's whole runtime configuration; only what Connect proxies need is read from it.
    const debug = self.DebugConfig ?? {};
    return {
      version: self.Config.Version,
      address: self.Member.Addr,
      nodeId: self.Config.NodeID,
      connect: debug.ConnectEnabled === true,
      acls: debug.ACLsEnabled === true,
      clientAddrs: debug.ClientAddrs ?? [],
      httpPort: debug.HTTPPort ?? -1,
      httpsPort: debug.HTTPSPort ?? -1,
    };
  }

  /** A call with the current token; one the agent does not know sends the token file to be read again, and the call once more. */
  private async withToken<T>(call: (token: string | undefined) => Promise<T>): Promise<T> {
    try {
      return await call(this.tokens.current);
    } catch (err) {
      if (!isUnknownToken(err) || !this.tokens.reload()) throw err;
      return call(this.tokens.current);
    }
  }

  /** Registers (or replaces) a service with exactly the given checks: checks a label no longer asks for go. */
  async register(reg: Registration): Promise<void> {
    await this.withToken(() => this.http.put('/agent/service/register', reg, { 'replace-existing-checks': 'true' }));
  }

  /** Sets a TTL check's status and output (the registrar's own script and Docker-health checks). */
  async updateTtl(checkId: string, status: string, output: string): Promise<void> {
    await this.withToken(() => this.http.put(`/agent/check/update/${encodeURIComponent(checkId)}`, { Status: status, Output: output }));
  }

  /**
   * Removes a service. One the agent does not know is already gone: Consul 1.8 answers 200, or
   * 500 "Unknown service" with ACLs on; newer versions answer 404.
   */
  async deregister(serviceId: string): Promise<void> {
    try {
      await this.withToken(() => this.http.put(`/agent/service/deregister/${encodeURIComponent(serviceId)}`, undefined));
    } catch (err) {
      if (statusOf(err) !== 404 && !/unknown service/i.test(describeError(err))) throw err;
    }
  }

  /** The services whose Meta holds every one of these key/value pairs; one request, filtered by the agent. */
  async servicesWithMeta(meta: Record<string, string>): Promise<AgentService[]> {
    return this.list(metaClause(meta));
  }

  /**
   * The services whose ID is one of these, compared regardless of case (the catalog merges IDs that
   * differ only in case; the agent's filter cannot compare that way, so the list is filtered here).
   */
  async servicesWithIds(ids: string[]): Promise<AgentService[]> {
    if (ids.length === 0) return [];
    const wanted = new Set(ids.map((id) => id.toLowerCase()));
    // The agent filters with a case-insensitive regular expression (seen on 1.8.7): one small answer
    // instead of every service on the agent for every new container.
    const services = await this.filtered(ids.map((id) => idClause(`${escapeRegExp(id)}$`)));
    return services.filter((s) => wanted.has(s.id.toLowerCase()));
  }

  /**
   * Services whose Meta holds every one of these pairs, and those whose ID starts with one of the
   * prefixes (regardless of case), in one request: what a sync after a start event asks (its
   * container's own services, and the ownership guard's look-ahead).
   */
  async servicesWithMetaOrIdPrefixes(meta: Record<string, string>, prefixes: string[]): Promise<AgentService[]> {
    const pairs = Object.entries(meta);
    const wanted = prefixes.map((p) => p.toLowerCase());
    const services = await this.filtered([`(${metaClause(meta)})`, ...prefixes.map((p) => idClause(escapeRegExp(p)))]);
    return services.filter(
      (s) => pairs.every(([key, value]) => s.meta[key] === value) || wanted.some((p) => s.id.toLowerCase().startsWith(p)),
    );
  }

  /** Whether Consul DNS answers with this service (by default it leaves out only critical ones). */
  async answersInDns(serviceId: string): Promise<boolean> {
    const filter = `ServiceID == ${JSON.stringify(serviceId)}`;
    const checks = (await this.withToken((token) => this.client.agent.check.list({ filter, ...(token ? { token } : {}) }))) as Record<
      string,
      { Status: string }
    >;
    return Object.values(checks).every((c) => c.Status !== 'critical');
  }

  /** Every check on the agent, with its status and last output; one request. */
  async checks(): Promise<AgentCheck[]> {
    const checks = (await this.withToken((token) => this.client.agent.check.list(token ? { token } : {}))) as Record<
      string,
      { CheckID: string; ServiceID?: string; Status: string; Output?: string }
    >;
    return Object.values(checks).map((c) => ({
      checkId: c.CheckID,
      serviceId: c.ServiceID ?? '',
      status: c.Status,
      output: c.Output ?? '',
    }));
  }

  /** The services whose whole ID matches this expression (case as written); one request. */
  async servicesWithIdMatching(expression: string): Promise<AgentService[]> {
    const whole = new RegExp(`^(?:${expression})$`);
    return (await this.filtered([idClause(`(?:${expression})$`, false)])).filter((s) => whole.test(s.id));
  }

  /**
   * Services matching any of these filter clauses. An agent whose filter cannot read one (a 400)
   * gets the whole list asked for instead: every caller filters the answer again itself.
   */
  private async filtered(clauses: string[]): Promise<AgentService[]> {
    return this.list(clauses.join(' or ')).catch((err: unknown) => {
      if (statusOf(err) !== 400) throw err;
      return this.list('');
    });
  }

  private async list(filter: string): Promise<AgentService[]> {
    // Our own client, not the package's: every start and stop reads the agent, and the package's request pipeline costs CPU each time.
    const services = ((await this.withToken(() => this.http.request('GET', '/agent/services', undefined, filter ? { filter } : {}))) ??
      {}) as Record<string, AgentServiceJson>;
    return Object.values(services).map((s) => ({ id: s.ID, name: s.Service, address: s.Address, port: s.Port, meta: s.Meta ?? {} }));
  }
}

function metaClause(meta: Record<string, string>): string {
  return Object.entries(meta)
    .map(([key, value]) => `Meta.${key} == ${JSON.stringify(value)}`)
    .join(' and ');
}

/** An ID filter clause: an expression anchored at the start, case-insensitive unless told. */
function idClause(expression: string, ignoreCase = true): string {
  return `ID matches ${JSON.stringify(`${ignoreCase ? '(?i)' : ''}^${expression}`)}`;
}
