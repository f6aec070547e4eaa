// The sync's guard step: the ownership guard (ownership-guard.ts) over what the agent has under the
// wanted IDs this container does not own yet, and what its decision means for the log, the metrics
// and Registrator's entries.
import type { ContainerFacts } from '../model/facts.js';
import type { Finding } from '../model/findings.js';
import type { Registration } from '../model/registration.js';
import { servicesUnder, type KnownServices } from './look-ahead.js';
import { guardOwnership } from './ownership-guard.js';
import { holderOf, type OwnedService } from './ownership.js';
import { isRegistratorEntryOf } from './registrator.js';
import type { RegistratorTakeover } from './registrator-takeover.js';
import type { AgentService, ServiceAgent } from './service-agent.js';
import type { ContainerSource } from './reconciler-ports.js';
import type { SyncLog } from './sync-log.js';
import type { SyncMetrics } from './sync-metrics.js';

export interface OwnershipStepParts {
  consul: ServiceAgent;
  hostId: string;
  replaceRegistrator: boolean;
  /** Asked whether the containers that hold a wanted ID run. */
  docker: Pick<ContainerSource, 'inspect'>;
  takeover: RegistratorTakeover;
  log: SyncLog;
  metrics: SyncMetrics;
}

export interface OwnershipStepInput extends KnownServices {
  containerId: string;
  facts: ContainerFacts | undefined;
  wanted: Registration[];
  /** The container's services on the agent now. */
  owned: OwnedService[];
  /** Where the guard's refusals are added. */
  findings: Finding[];
}

/** The wanted registrations that may be written. */
export async function guardStep(parts: OwnershipStepParts, input: OwnershipStepInput): Promise<Registration[]> {
  const { containerId, facts, wanted } = input;
  const ownedIds = new Set(input.owned.map((s) => s.id));
  const notYetOwned = wanted.filter((r) => !ownedIds.has(r.ID));
  if (notYetOwned.length === 0) return wanted;
  const inTheWay = await servicesUnder(parts.consul, notYetOwned, input);
  const decision = guardOwnership({
    containerId,
    containerName: facts?.name,
    wanted,
    agent: inTheWay,
    hostId: parts.hostId,
    replaceRegistrator: parts.replaceRegistrator,
    isRegistrators: (s) => facts !== undefined && isRegistratorEntryOf(s, facts),
    running: await runningHolders(parts, inTheWay, containerId),
  });
  await parts.takeover.adopt(containerId, decision.adopted);
  for (const taken of decision.takenBack) parts.log.takenBack({ id: containerId, name: facts?.name ?? containerId }, taken);
  input.findings.push(...[...decision.refused, ...decision.sidecars].map((r) => r.finding));
  parts.metrics.ownershipRefused(decision.refused.length);
  return decision.write;
}

/** The running containers among those of this host that hold one of these services, by ID with their names. */
async function runningHolders(parts: OwnershipStepParts, services: AgentService[], containerId: string): Promise<Map<string, string>> {
  const holders = new Set(
    services.flatMap((s) => {
      const holder = holderOf(s.meta, parts.hostId, containerId);
      return holder.kind === 'our-container' && holder.containerId !== '' ? [holder.containerId] : [];
    }),
  );
  const names = await Promise.all(
    [...holders].map(async (c) => {
      const facts = await parts.docker.inspect(c);
      return [c, facts?.running ? facts.name : undefined] as const;
    }),
  );
  return new Map(names.filter((entry): entry is readonly [string, string] => entry[1] !== undefined));
}
