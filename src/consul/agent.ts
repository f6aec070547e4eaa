import type Consul from 'consul';
import type { Registration } from '../model/registration.js';
import { OWNER_META } from '../model/registration.js';
import type { ConsulConnection } from './client.js';
import { describeError } from '../errors.js';
import { statusOf } from './errors.js';

/** A service on the local agent that carries this registrar's ownership Meta. */
export interface OwnedService {
  id: string;
  name: string;
  address: string;
  port: number;
  containerId: string;
  hash: string;
}

interface AgentServiceJson {
  ID: string;
  Service: string;
  Address: string;
  Port: number;
  Meta?: Record<string, string> | null;
}

interface PapiRequest {
  err?: Error;
}
type PapiNext = (retry: boolean, err?: Error, result?: unknown) => void;
type PapiPut = (opts: Record<string, unknown>, done: (request: PapiRequest, next: PapiNext) => void) => Promise<unknown>;

/** The local Consul agent's HTTP API, as far as the registrar uses it. */
export class ConsulAgent {
  private readonly client: Consul;
  private readonly token: string | undefined;

  constructor(connection: ConsulConnection) {
    this.client = connection.client;
    this.token = connection.token;
  }

  async self(): Promise<{ version: string; address: string; nodeId: string }> {
    const self = (await this.client.agent.self()) as { Config: { Version: string; NodeID: string }; Member: { Addr: string } };
    return { version: self.Config.Version, address: self.Member.Addr, nodeId: self.Config.NodeID };
  }

  /**
   * Registers (or replaces) a service with exactly the given checks. The `consul` package's
   * register() cannot send `?replace-existing-checks=true` (without it, checks a label no longer
   * asks for would stay) and drops check fields it does not know, so the body goes out as is.
   */
  async register(reg: Registration): Promise<void> {
    await this.put('agent.service.register', '/agent/service/register', reg, { 'replace-existing-checks': 'true' });
  }

  /** Sets a TTL check's status and output (the registrar's own script and Docker-health checks). */
  async updateTtl(checkId: string, status: string, output: string): Promise<void> {
    await this.put('agent.check.update', `/agent/check/update/${encodeURIComponent(checkId)}`, { Status: status, Output: output });
  }

  /** A JSON PUT through the package's own client, keeping its TLS, token and keep-alive settings. */
  private async put(name: string, path: string, body: unknown, query: Record<string, string> = {}): Promise<void> {
    const put = (this.client as unknown as { _put: PapiPut })._put.bind(this.client);
    await put(
      { name, path, query, headers: this.token ? { 'x-consul-token': this.token } : {}, type: 'json', body },
      (request, next) => (request.err ? next(false, request.err) : next(false, undefined, undefined)),
    );
  }

  /**
   * Removes a service. One the agent does not know is already gone: Consul 1.8 answers 200, or
   * 500 "Unknown service" with ACLs on; newer versions answer 404.
   */
  async deregister(serviceId: string): Promise<void> {
    try {
      await this.client.agent.service.deregister(serviceId);
    } catch (err) {
      if (statusOf(err) !== 404 && !/unknown service/i.test(describeError(err))) throw err;
    }
  }

  /** The Meta of each of these services that the agent has (absent IDs are left out); one request. */
  async metaOf(ids: string[]): Promise<Map<string, Record<string, string>>> {
    if (ids.length === 0) return new Map();
    const filter = ids.map((id) => `ID == ${JSON.stringify(id)}`).join(' or ');
    const services = (await this.client.agent.service.list({ filter } as never)) as Record<string, AgentServiceJson>;
    return new Map(Object.values(services).map((s) => [s.ID, s.Meta ?? {}]));
  }

  /** Services on this agent owned by this registrar's host ID (optionally one container's only). */
  async owned(hostId: string, containerId?: string): Promise<OwnedService[]> {
    const filter = [`Meta.${OWNER_META.host} == ${JSON.stringify(hostId)}`];
    if (containerId !== undefined) filter.push(`Meta.${OWNER_META.container} == ${JSON.stringify(containerId)}`);
    const services = (await this.client.agent.service.list({ filter: filter.join(' and ') } as never)) as Record<string, AgentServiceJson>;
    return Object.values(services).map((s) => ({
      id: s.ID,
      name: s.Service,
      address: s.Address,
      port: s.Port,
      containerId: s.Meta?.[OWNER_META.container] ?? '',
      hash: s.Meta?.[OWNER_META.hash] ?? '',
    }));
  }
}
