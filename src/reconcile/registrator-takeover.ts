// --replace-registrator's steps on the agent: Registrator's entry under one of our IDs is adopted
// in place, and its entries under its own IDs go once ours answer in DNS.
import type { ContainerFacts } from '../model/facts.js';
import type { Registration } from '../model/registration.js';
import { startingPassing } from './adoption.js';
import type { Adoption } from './ownership-guard.js';
import { registratorEntries, registratorIdExpression } from './registrator.js';
import type { Write } from './retried-write.js';
import type { AgentService, ServiceAgent } from './service-agent.js';
import type { SyncLog } from './sync-log.js';

export class RegistratorTakeover {
  /** IDs adopted in place from an entry that was answering in DNS: their checks start passing. */
  private readonly adoptedAnswering = new Set<string>();

  constructor(
    private readonly consul: ServiceAgent,
    private readonly write: Write,
    private readonly log: SyncLog,
  ) {}

  /** Entries the ownership guard lets this container write over in place, under our Meta. */
  async adopt(containerId: string, adoptions: Adoption[]): Promise<void> {
    for (const { serviceId, existingId } of adoptions) {
      // Answering before, it answers on (adoption.ts).
      if (await this.consul.answersInDns(existingId)) this.adoptedAnswering.add(serviceId);
      this.log.adopted(containerId, existingId);
    }
  }

  /** The registration as it is sent, after the hash: the initial status is no part of what the next sync compares. */
  firstWrite(reg: Registration): Registration {
    return this.adoptedAnswering.delete(reg.ID) ? startingPassing(reg) : reg;
  }

  /**
   * Once this registrar's service for a port of the container answers in DNS (no critical check: a
   * new check starts critical), Registrator's entry for that port goes, so DNS never goes empty.
   * Until then both answer, with the same container; a later sync tries again.
   */
  async replaceEntries(
    container: { id: string; facts: ContainerFacts },
    registered: Registration[],
    known: { snapshot?: AgentService[] | undefined },
  ): Promise<void> {
    const { id, facts } = container;
    const services = known.snapshot ?? (await this.consul.servicesWithIdMatching(registratorIdExpression(facts.name)));
    const ours = new Set(registered.map((r) => r.ID.toLowerCase()));
    const entries = [...registratorEntries(services, facts)].filter(([serviceId]) => !ours.has(serviceId.toLowerCase()));
    if (entries.length === 0) return;
    // Asked only for the ports Registrator has an entry for, all at once.
    const ports = new Set(entries.map(([, port]) => port));
    const asked = registered.filter((r) => ports.has(r.Port));
    const answers = await Promise.all(asked.map((r) => this.consul.answersInDns(r.ID)));
    const answering = new Set(asked.filter((_, i) => answers[i]).map((r) => r.Port));
    for (const [serviceId, port] of entries) {
      if (!answering.has(port)) continue;
      await this.write(id, () => this.consul.deregister(serviceId));
      this.log.registratorReplaced({ id, name: facts.name }, serviceId);
    }
  }
}
