// What the daemon's first full pass would do, decided without writing anything: `plan` shows it.
// The same steps as reconciler.ts in the same order (claims, ownership guard, Registrator's
// entries, fields the agent refuses, removals), over one list of the agent's services. Besides the
// claims' and the guard's codes: registrator-entry-replaced, registrator-entry-kept and
// check-field-unsupported, and check-critical for a service already on the agent whose check is
// critical (model/finding-codes.ts).
import { droppedFieldNote, fitToAgent, type Capabilities } from '../consul/capabilities.js';
import type { ContainerFacts } from '../model/facts.js';
import type { Finding } from '../model/findings.js';
import { finding } from '../model/finding-codes.js';
import { deregistrableById } from '../model/service-id.js';
import type { ContainerPlan, Registration } from '../model/registration.js';
import { ServiceIdClaims } from './claims.js';
import { guardOwnership } from './ownership-guard.js';
import { ownedAmong } from './ownership.js';
import { isRegistratorEntryOf, registratorEntries } from './registrator.js';
import { criticalCheckFindings } from './check-findings.js';
import type { AgentCheck, AgentService } from './service-agent.js';

/** A finding about one service of the container, or one field of it. */
export type ServiceFinding = Finding & { serviceId?: string; field?: string };

export interface ContainerForecast {
  /** What would be registered, as it would be sent (without the fields the agent refuses). */
  registrations: Registration[];
  findings: ServiceFinding[];
}

/** A service this host ID owns that the first pass would take off the agent. */
export interface Removal {
  serviceId: string;
  name: string;
  containerId: string;
  reason: 'container-not-running' | 'no-longer-wanted';
  /** Its ID cannot be deregistered through the HTTP API: it is handed to Consul's reaper. */
  reaper?: true;
}

export interface Forecast {
  containers: Map<string, ContainerForecast>;
  removals: Removal[];
}

export interface ForecastInput {
  /** The running containers' plans, in the order the pass syncs them. */
  plans: ContainerPlan[];
  /** Every running container of this host. */
  running: ContainerFacts[];
  /** Every service on the agent. */
  agent: AgentService[];
  hostId: string;
  replaceRegistrator: boolean;
  capabilities: Capabilities;
  /** Every check on the agent (one read): the registrations whose check is critical get check-critical. */
  checks?: AgentCheck[];
  /** Stopped containers that keep their services (--deregister on-success, exited non-zero). */
  keeping?: ReadonlySet<string>;
}

export function forecastFirstPass(input: ForecastInput): Forecast {
  const claims = new ServiceIdClaims();
  const byId = new Map(input.running.map((f) => [f.id, f]));
  const names = new Map(input.running.map((f) => [f.id, f.name]));
  const containers = new Map<string, ContainerForecast>();
  for (const plan of input.plans) {
    const facts = byId.get(plan.containerId);
    const notes: Finding[] = [];
    const granted = claims.take(plan.containerId, plan.registrations, notes);
    const findings: ServiceFinding[] = claimFindings(plan.registrations, granted, notes);
    const decision = guardOwnership({
      containerId: plan.containerId,
      containerName: plan.containerName,
      wanted: granted,
      agent: input.agent,
      hostId: input.hostId,
      replaceRegistrator: input.replaceRegistrator,
      isRegistrators: (s) => facts !== undefined && isRegistratorEntryOf(s, facts),
      running: names,
    });
    for (const r of [...decision.refused, ...decision.sidecars, ...decision.adopted, ...decision.takenBack])
      findings.push({ ...r.finding, serviceId: r.serviceId });
    if (facts) findings.push(...registratorFindings(input, facts, plan.registrations, decision.write));
    const registrations = decision.write.map((reg) => {
      const { body, dropped } = fitToAgent(reg, input.capabilities);
      for (const field of dropped) {
        const text = droppedFieldNote(field, input.capabilities.version);
        findings.push({ ...finding('check-field-unsupported', text, { port: reg.Port }), serviceId: reg.ID, field });
      }
      return body;
    });
    findings.push(
      ...criticalCheckFindings(
        input.checks ?? [],
        registrations.map((r) => ({ id: r.ID, port: r.Port })),
      ),
    );
    containers.set(plan.containerId, { registrations, findings });
  }
  return { containers, removals: removals(input, containers, claims) };
}

/** The registrations the claims took away, with the claims' findings about them. */
function claimFindings(wanted: Registration[], granted: Registration[], notes: Finding[]): ServiceFinding[] {
  const kept = new Set(granted.map((r) => r.ID));
  return wanted
    .filter((r) => !kept.has(r.ID))
    .map((r) => {
      const note = notes.find((n) => n.text.includes(`"${r.ID}"`)) ?? finding('service-id-claimed', r.ID, { port: r.Port });
      return { ...note, serviceId: r.ID };
    });
}

/** Registrator's entries of the container under other IDs than ours: replaced once ours answers, or left. */
function registratorFindings(
  input: ForecastInput,
  facts: ContainerFacts,
  wanted: Registration[],
  written: Registration[],
): ServiceFinding[] {
  const ours = new Set(wanted.map((r) => r.ID.toLowerCase()));
  const ports = new Set(written.map((r) => r.Port));
  return [...registratorEntries(input.agent, facts)]
    .filter(([id]) => !ours.has(id.toLowerCase()))
    .map(([id, port]): ServiceFinding => {
      const about = { port };
      const found =
        input.replaceRegistrator && ports.has(port)
          ? finding('registrator-entry-replaced', `replaces Registrator's ${id} once its own service for that port answers in DNS`, about)
          : input.replaceRegistrator
            ? finding('registrator-entry-kept', `Registrator's ${id} stays: nothing is registered here for port ${port}`, about)
            : finding('registrator-entry-kept', `Registrator's ${id} is on the agent: with --replace-registrator it would be replaced`, {
                ...about,
                fix: 'run with --replace-registrator',
              });
      return { ...found, serviceId: id };
    });
}

/** This host ID's services that no running container wants any more (as diff.ts decides, per container). */
function removals(input: ForecastInput, containers: Map<string, ContainerForecast>, claims: ServiceIdClaims): Removal[] {
  return ownedAmong(input.agent, input.hostId).flatMap((s): Removal[] => {
    const planned = containers.get(s.containerId);
    if (planned === undefined && input.keeping?.has(s.containerId)) return [];
    if (planned?.registrations.some((r) => r.ID === s.id)) return [];
    // Another container asks for it: not this one's to remove (the other takes it over).
    if (claims.heldByOther(s.id, s.containerId)) return [];
    const reason = planned === undefined ? 'container-not-running' : 'no-longer-wanted';
    return [
      { serviceId: s.id, name: s.name, containerId: s.containerId, reason, ...(deregistrableById(s.id) ? {} : { reaper: true as const }) },
    ];
  });
}
