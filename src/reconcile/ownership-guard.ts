// The ownership guard as a pure decision: which of one container's wanted registrations may be
// written over what the agent already has. The daemon (reconciler.ts) and `plan` both call it, so
// plan predicts exactly what the run does. Its findings' codes (model/finding-codes.ts): foreign-id,
// registrator-id, service-id-held, sidecar-parent-refused; and for what it takes over,
// registrator-adopted and default-id-taken-back.
import type { Finding } from '../model/findings.js';
import { finding } from '../model/finding-codes.js';
import type { Registration } from '../model/registration.js';
import { isDefaultIdOf } from '../model/reserved-ids.js';
import { holderOf } from './ownership.js';
import type { AgentService } from './service-agent.js';
import { derivedFollowParents } from './derived-follow-parents.js';

export interface GuardInput {
  containerId: string;
  /** Its name, when known: its own default ID, held by another container, is taken back. */
  containerName?: string | undefined;
  wanted: Registration[];
  /** The agent's services: all of them, or at least those under the wanted IDs (in any case). */
  agent: AgentService[];
  /** This registrar's --host-id. */
  hostId: string;
  /** --replace-registrator. */
  replaceRegistrator: boolean;
  /** Whether a service on the agent is Registrator's registration of this container (registrator.ts). */
  isRegistrators: (service: AgentService) => boolean;
  /** This host's running containers: their names by container ID. */
  running: ReadonlyMap<string, string>;
}

/** A registration refused, with why. */
export interface Refusal {
  serviceId: string;
  finding: Finding;
}

/** Registrator's entry under a wanted ID, written over in place under our Meta (adoption.ts). */
export interface Adoption {
  serviceId: string;
  /** The entry's ID as the agent has it (it may differ in case). */
  existingId: string;
  finding: Finding;
}

/** The container's own default ID, held by another running container through a label: taken back. */
export interface TakenBack {
  serviceId: string;
  existingId: string;
  squatter: string;
  squatterId: string;
  finding: Finding;
}

export interface GuardDecision {
  /** What may be written. */
  write: Registration[];
  /** Refused by ownership (counted by registrar_ownership_refusals_total). */
  refused: Refusal[];
  /** Sidecars left out because their parent was refused. */
  sidecars: Refusal[];
  adopted: Adoption[];
  takenBack: TakenBack[];
}

/** Decides; reads nothing and writes nothing. */
export function guardOwnership(input: GuardInput): GuardDecision {
  const { containerId, hostId } = input;
  const decision: GuardDecision = { write: [], refused: [], sidecars: [], adopted: [], takenBack: [] };
  const refused = new Set<string>();
  for (const reg of input.wanted) {
    // An ID this container has exactly is its own; otherwise compared regardless of case, as the catalog does.
    if (input.agent.some((s) => s.id === reg.ID && holderOf(s.meta, hostId, containerId).kind === 'this-container')) continue;
    const other = input.agent.find((s) => s.id.toLowerCase() === reg.ID.toLowerCase());
    if (other === undefined) continue;
    const holder = holderOf(other.meta, hostId, containerId);
    const same = other.id === reg.ID ? `"${reg.ID}"` : `"${reg.ID}" (as "${other.id}": Consul's catalog ignores case)`;
    const port = reg.Port;
    const refuse = (why: Finding) => {
      decision.refused.push({ serviceId: reg.ID, finding: why });
      refused.add(reg.ID);
    };
    if (holder.kind === 'foreign' && input.isRegistrators(other)) {
      if (input.replaceRegistrator) {
        const text = `Registrator's ${other.id} is taken over in place, under this registrar's Meta`;
        decision.adopted.push({ serviceId: reg.ID, existingId: other.id, finding: finding('registrator-adopted', text, { port }) });
      } else
        refuse(
          finding(
            'registrator-id',
            `service ID ${same} is Registrator's registration of this container (no Meta, its address); ` +
              'it is left as it is and nothing is registered for this port',
            { port },
          ),
        );
    } else if (holder.kind === 'foreign') {
      refuse(
        finding(
          'foreign-id',
          `service ID ${same} already exists on the Consul agent and was not registered by this registrar (--host-id ${hostId}); ` +
            'it is never overwritten or removed, and nothing is registered for this port',
          { port },
        ),
      );
    } else if (holder.kind === 'our-container') {
      const squatter = holder.containerId === '' ? undefined : input.running.get(holder.containerId);
      if (squatter === undefined) continue; // its container is gone: taken over
      if (input.containerName !== undefined && isDefaultIdOf(reg.ID, hostId, input.containerName)) {
        // Its own default ID, held through a label an earlier version let through: the owner wins.
        const text =
          `service ID ${same} is its default ID and was held by container ${squatter} (${holder.containerId.slice(0, 12)}) ` +
          `through a SERVICE_ID label; it is registered for ${input.containerName} now, and ${squatter} keeps its other services`;
        const takenBack = finding('default-id-taken-back', text, { port, fix: `fix ${squatter}'s SERVICE_ID` });
        decision.takenBack.push({ serviceId: reg.ID, existingId: other.id, squatter, squatterId: holder.containerId, finding: takenBack });
        continue;
      }
      const text = `service ID ${same} belongs to running container ${holder.containerId.slice(0, 12)}, which keeps it`;
      refuse(finding('service-id-held', text, { port }));
    }
  }
  const sidecars: Finding[] = [];
  decision.write = derivedFollowParents(
    input.wanted.filter((r) => !refused.has(r.ID)),
    sidecars,
  );
  const kept = new Set(decision.write.map((r) => r.ID));
  const dropped = input.wanted.filter((r) => !refused.has(r.ID) && !kept.has(r.ID));
  decision.sidecars = dropped.map((r, i) => ({ serviceId: r.ID, finding: sidecars[i]! }));
  return decision;
}
