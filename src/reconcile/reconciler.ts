import type { Logger } from 'pino';
import pRetry from 'p-retry';
import { TIMINGS } from '../timings.js';
import { within } from '../deadline.js';
import { fitToAgent, type Capabilities } from '../consul/capabilities.js';
import { hostWideProblem, isRefusal } from '../consul/errors.js';
import { describeError } from '../errors.js';
import type { ContainerFacts, StoppedHint } from '../model/facts.js';
import { planContainer, type PlanOptions } from '../model/plan.js';
import type { CheckJob, Registration } from '../model/registration.js';
import type { ProxySpec } from '../model/registration.js';
import type { Finding } from '../model/findings.js';
import { findingLevel } from '../model/finding-codes.js';
import { FindingCounts } from './finding-counts.js';
import { CheckFindings } from './check-findings.js';
import { ServiceIdClaims } from './claims.js';
import { guardOwnership } from './ownership-guard.js';
import { diff } from './diff.js';
import { startingPassing } from './adoption.js';
import { withHash } from './hash.js';
import { KeyedQueue } from './keyed-queue.js';
import { Semaphore } from '../semaphore.js';
import type { Metrics } from '../status/metrics.js';
import { OncePerContainer } from './once-per-container.js';
import { holderOf, OWNER_META, ownedAmong, ownedServices, type OwnedService } from './ownership.js';
import type { AgentCheck, AgentService, ServiceAgent } from './service-agent.js';
import { deregistrableById, likelyIdPrefixes } from '../model/limits.js';
import { isRegistratorEntryOf, registratorEntries, registratorIdExpression } from './registrator.js';

export type DeregisterMode = 'always' | 'on-success';

/** Where the reconciler reads Docker's truth from (docker/ in production). */
export interface ContainerSource {
  inspect(id: string): Promise<ContainerFacts | undefined>;
  runningIds(): Promise<string[]>;
}

/** The registrar's own checks (checks/), told which jobs each container's services now have. */
export interface CheckJobs {
  sync(containerId: string, jobs: CheckJob[]): void;
}

interface LookAhead {
  prefixes: string[];
  services: AgentService[];
}

/** The Connect proxy keeper (reconcile/sidecar-proxies.ts), told which proxies each app should have now. */
export interface ProxyKeeper {
  sync(appId: string, proxies: ProxySpec[]): Promise<void>;
}

/** What a Docker event already says about a container. */
export interface EventHints {
  /** A die or destroy event's facts: Docker need not be asked. */
  stopped?: StoppedHint | undefined;
  /** A start event's name and labels: the ownership guard can ask Consul while Docker is asked. */
  seen?: { name: string; labels: Record<string, string> } | undefined;
  /** A network event: a connect comes before every start, a disconnect after every die (see syncContainer). */
  network?: 'connect' | 'disconnect' | undefined;
}

/** What the caller already knows about a container when it asks for a sync. */
interface SyncHints extends EventHints {
  /** Its services on the agent, read by the full pass. */
  owned?: OwnedService[];
  /** Every service on the agent, read by the full pass: the ownership guard's view. */
  snapshot?: AgentService[];
}

export interface ReconcilerOptions {
  model: PlanOptions;
  deregister: DeregisterMode;
  capabilities: Capabilities;
  /** Containers synced at once in a full pass. */
  concurrency: number;
  /** How long a full pass waits for one container (default: TIMINGS); tests make it short. */
  containerDeadlineMs?: number;
  /** --replace-registrator: take over Registrator's registrations of this host's running containers. */
  replaceRegistrator?: boolean;
  /** How Consul writes are retried (default: TIMINGS); tests make it quick. */
  writeRetry?: { retries: number; minMs: number; maxMs: number };
}

export interface PassSummary {
  containers: number;
  failed: number;
  ms: number;
}

/**
 * Makes Consul match Docker, one container at a time: desired services from what Docker reports
 * now, compared with the services this registrar owns in Consul now, and the difference written.
 * Syncs of one container never overlap, so a die and a start that arrive together end with the
 * state after both.
 */
export class Reconciler {
  private readonly queue: KeyedQueue;
  /** Bounds a full pass's parallel inspects; event syncs do not wait for it. */
  private readonly passSlots: Semaphore;
  /** Findings already logged, by container, code, port and label (never by wording). */
  private readonly warned = new OncePerContainer();
  private readonly findingCounts = new FindingCounts();
  private readonly checkFindings: CheckFindings;
  /** Running containers' names as their last sync saw them, for the full pass's check findings. */
  private readonly runningNames = new Map<string, string>();
  private readonly refused = new OncePerContainer();
  private readonly droppedFields = new Set<string>();
  /** The host-wide problem with Consul last seen, until a sync succeeds again. */
  private hostWide: string | undefined;
  /** Left-over IDs Consul cannot deregister, already handed to its reaper. */
  private readonly reaped = new Set<string>();
  private readonly claims = new ServiceIdClaims();
  /** Write counter, to tell whether a container changed after a full pass read Consul. */
  private writes = 0;
  private readonly lastWrite = new Map<string, number>();
  /** When each container's latest sync started (performance.now()); pruned by full passes. */
  private readonly syncStarted = new Map<string, number>();
  /** Containers whose latest event said they stopped (die, destroy): a network disconnect then changes nothing. */
  private readonly stopped = new Set<string>();
  /** Services each container has on the agent after its last sync, and their sum. */
  private readonly ownedCounts = new Map<string, number>();
  private ownedTotal = 0;
  /** IDs adopted in place from a service that was answering in DNS: their checks start passing. */
  private readonly adoptedAnswering = new Set<string>();

  constructor(
    private readonly docker: ContainerSource,
    private readonly consul: ServiceAgent,
    private readonly options: ReconcilerOptions,
    private readonly log: Logger,
    private readonly hooks: { jobs?: CheckJobs; proxies?: ProxyKeeper; metrics?: Metrics } = {},
  ) {
    this.queue = new KeyedQueue();
    this.passSlots = new Semaphore(options.concurrency);
    this.checkFindings = new CheckFindings(log, hooks.metrics);
  }

  /** Brings one container's services up to date; Docker events call this. */
  async syncContainer(id: string, event: EventHints = {}): Promise<void> {
    // Network events mostly come with a start or a die that syncs the container anyway; their own
    // sync is skipped when it cannot change anything (level-triggered: a sync that starts after an
    // event sees its effect). A disconnect cannot give services to a container that owns none; a
    // connect waits a moment, and is dropped if a sync has started since it arrived.
    if (event.stopped) this.stopped.add(id);
    else if (event.seen) this.stopped.delete(id);
    // Docker sends a disconnect after every die: the die's own sync already wants nothing for the container.
    if (event.network === 'disconnect' && (!this.ownedCounts.has(id) || this.stopped.has(id))) return;
    if (event.network === 'connect') {
      const received = performance.now();
      await new Promise((resolve) => setTimeout(resolve, TIMINGS.networkEventSettleMs));
      if ((this.syncStarted.get(id) ?? -Infinity) > received) return;
    }
    await this.queue.run(id, async () => {
      await this.timedSync(id, event);
    });
  }

  /**
   * Every running container and every service this registrar owns, synced. Throws when Docker or
   * Consul cannot be listed (nothing is changed then).
   */
  async fullSync(): Promise<PassSummary> {
    const started = performance.now();
    const writesBefore = this.writes;
    // One list of every service on the agent: what this host ID owns, and what the ownership guard
    // must not overwrite, without a request per container.
    // The checks once per pass (never per event): which owned services DNS leaves out. A failed read skips only that.
    const [running, all, checks] = await Promise.all([
      this.docker.runningIds(),
      this.consul.servicesWithMeta({}),
      this.consul.checks().catch((err: unknown) => {
        this.log.debug({ err: describeError(err) }, "the agent's checks could not be read; check-critical waits for the next pass");
        return undefined;
      }),
    ]);
    const owned = ownedAmong(all, this.options.model.hostId);
    const ownedByContainer = new Map<string, OwnedService[]>();
    for (const s of owned) {
      const list = ownedByContainer.get(s.containerId);
      if (list) list.push(s);
      else ownedByContainer.set(s.containerId, [s]);
    }
    const ids = new Set([...running, ...ownedByContainer.keys()]);
    for (const id of this.syncStarted.keys()) if (!ids.has(id)) this.syncStarted.delete(id); // gone containers
    for (const id of this.stopped) if (!ids.has(id)) this.stopped.delete(id);
    for (const id of this.runningNames.keys()) if (!ids.has(id)) this.runningNames.delete(id);
    this.countFindings(this.findingCounts.prune(ids));
    let failed = 0;
    let late = 0;
    const deadlineMs = this.options.containerDeadlineMs ?? TIMINGS.passContainerDeadlineMs;
    await Promise.all(
      [...ids].map((id) =>
        this.passSlots.use(async () => {
          const done = this.queue.run(id, async () => {
            // A write for this container after we read Consul makes our copy stale: read it again.
            const fresh = (this.lastWrite.get(id) ?? 0) > writesBefore;
            const known = fresh ? {} : { owned: ownedByContainer.get(id) ?? [], snapshot: all };
            if (!(await this.timedSync(id, known))) failed++;
          });
          // One stuck container does not hold the pass: it goes on in its queue, and the next pass retries.
          const gaveUp = await within(
            done.then(() => false),
            deadlineMs,
            true,
          );
          if (gaveUp) late++;
        }),
      ),
    );
    if (checks) this.reportCriticalChecks(checks, running, ownedByContainer);
    if (late > 0)
      this.log.warn(
        { event: 'pass-deadline', late },
        `${late} containers took longer than ${deadlineMs} ms; the full pass went on without them`,
      );
    return { containers: ids.size, failed: failed + late, ms: Math.round(performance.now() - started) };
  }

  /** check-critical for the running containers' owned services (as the pass read them) whose check is critical. */
  private reportCriticalChecks(checks: AgentCheck[], running: string[], owned: Map<string, OwnedService[]>): void {
    const containers = running.flatMap((id) => {
      const name = this.runningNames.get(id);
      return name === undefined ? [] : [{ id, name, services: owned.get(id) ?? [] }];
    });
    this.checkFindings.update(checks, containers);
  }

  /** --deregister-on-exit: every service this registrar owns, removed. */
  async removeAll(): Promise<number> {
    const owned = await ownedServices(this.consul, this.options.model.hostId);
    await Promise.all(
      owned.map((service) =>
        this.queue.run(service.containerId, async () => {
          await this.write(service.containerId, () => this.consul.deregister(service.id)).catch(() => undefined);
        }),
      ),
    );
    return owned.length;
  }

  private async timedSync(id: string, known: SyncHints): Promise<boolean> {
    const started = performance.now();
    this.syncStarted.set(id, started);
    try {
      return await this.sync(id, known);
    } finally {
      this.hooks.metrics?.observe('registrar_sync_duration_seconds', (performance.now() - started) / 1000);
    }
  }

  /** Keeps /metrics' count of owned services: each sync says how many this container has now. */
  private countServices(id: string, services: number): void {
    this.ownedTotal += services - (this.ownedCounts.get(id) ?? 0);
    if (services > 0) this.ownedCounts.set(id, services);
    else this.ownedCounts.delete(id);
    this.hooks.metrics?.set('registrar_owned_services', this.ownedTotal);
  }

  private async sync(id: string, known: SyncHints): Promise<boolean> {
    const { owned: knownOwned, stopped } = known;
    try {
      const view = knownOwned ? { owned: Promise.resolve(knownOwned), lookAhead: Promise.resolve(undefined) } : this.agentView(id, known);
      // A die or destroy event already says the container is not running: asking Docker again
      // would wait for it to finish tearing the container down (100 ms and more under load).
      const [facts, owned] = await Promise.all([stopped ? undefined : this.docker.inspect(id), view.owned]);
      const lookAhead = view.lookAhead;
      const name = facts?.name ?? stopped?.name ?? id;
      if (this.keepWhileStopped(facts, stopped)) {
        this.countServices(id, owned.length);
        this.countFindings(this.findingCounts.set(id, []));
        this.hooks.jobs?.sync(id, []);
        void this.hooks.proxies?.sync(id, []);
        return true;
      }
      const plan = facts ? planContainer(facts, this.options.model) : undefined;
      const findings = [...(plan?.findings ?? []), ...(plan?.skipped ? [plan.skipped] : [])];
      const claimed = this.claims.take(id, plan?.registrations ?? [], findings);
      const desired = await this.guard(id, claimed, owned, findings, known.snapshot, await lookAhead, facts);
      this.reportFindings(id, name, findings);
      if (facts?.running) this.runningNames.set(id, name);
      else this.runningNames.delete(id);
      this.countFindings(this.findingCounts.set(id, facts?.running ? findings.map((f) => f.code) : []));
      const refusals = await this.apply(id, name, desired, owned);
      if (this.options.replaceRegistrator && facts?.running) {
        await this.removeRegistratorEntries(
          id,
          facts,
          desired.filter((r) => !refusals.has(r.ID)),
          known.snapshot,
        );
      }
      // Nothing left to guard for a container with no services (a stale re-read is only a repeat).
      if (desired.length === 0) this.lastWrite.delete(id);
      this.countServices(id, desired.length - refusals.size);
      const accepted = desired.filter((r) => !refusals.has(r.ID));
      const registered = new Set(accepted.flatMap((r) => r.Checks.map((c) => c.CheckID)));
      this.hooks.jobs?.sync(
        id,
        (plan?.jobs ?? []).filter((job) => registered.has(job.checkId)),
      );
      // A proxy only for a sidecar the agent has: `-sidecar-for` finds its configuration there.
      const sidecars = new Set(accepted.map((r) => r.ID));
      void this.hooks.proxies?.sync(
        id,
        (plan?.proxies ?? []).filter((proxy) => sidecars.has(proxy.sidecarId)),
      );
      this.hooks.metrics?.inc('registrar_refusals_total', refusals.size);
      for (const refusal of this.refused.fresh(id, [...refusals.values()])) {
        this.log.error({ event: 'refused', container: name, containerId: id }, refusal);
      }
      if (this.hostWide !== undefined) this.log.info('Consul accepts the registrar again');
      this.hostWide = undefined;
      return refusals.size === 0;
    } catch (err) {
      this.hooks.metrics?.inc('registrar_sync_errors_total');
      const hostWide = hostWideProblem(err);
      if (hostWide === undefined) {
        this.log.warn(
          { event: 'sync-failed', containerId: id, err: describeError(err) },
          `container ${id}: sync failed; the next pass retries`,
        );
      } else if (this.hostWide !== hostWide) {
        // One line for the whole host while it lasts, not one per container and pass.
        this.log.error({ event: 'consul-problem', err: describeError(err), hostWide: true }, hostWide);
      }
      this.hostWide = hostWide;
      return false;
    }
  }

  /** One line per container and finding (code, port, label): warn for refusals, info for skips. */
  private reportFindings(id: string, name: string, findings: Finding[]): void {
    const byKey = new Map(findings.map((f) => [JSON.stringify([f.code, f.port, f.label]), f]));
    for (const key of this.warned.fresh(id, [...byKey.keys()])) {
      const f = byKey.get(key)!;
      const fields = {
        event: 'finding',
        code: f.code,
        container: name,
        containerId: id,
        ...(f.port === undefined ? {} : { port: f.port }),
        ...(f.label === undefined ? {} : { label: f.label }),
      };
      // The ownership guard's texts end with their fix already: it is not said twice.
      const fix = f.fix && !f.text.endsWith(f.fix) ? ` — ${f.fix}` : '';
      this.log[findingLevel(f.code)](fields, `container ${name}: ${f.text}${fix}`);
    }
  }

  /** /metrics' containers by finding code, for the codes whose count changed. */
  private countFindings(changed: ReadonlyMap<string, number>): void {
    for (const [code, containers] of changed) this.hooks.metrics?.setFinding(code, containers);
  }

  /** A problem with Consul that concerns every container (see consul/errors.ts), while it lasts. */
  get consulProblem(): string | undefined {
    return this.hostWide;
  }

  /**
   * The ownership guard (ownership-guard.ts) over what the agent has under the wanted IDs this
   * container does not own yet: from the full pass's list, from the look-ahead a start event
   * allowed, and only for IDs neither covers, one more question.
   */
  private async guard(
    id: string,
    wanted: Registration[],
    owned: OwnedService[],
    findings: Finding[],
    snapshot?: AgentService[],
    early?: LookAhead,
    facts?: ContainerFacts,
  ): Promise<Registration[]> {
    const ownedIds = new Set(owned.map((s) => s.id));
    const fresh = wanted.filter((r) => !ownedIds.has(r.ID));
    if (fresh.length === 0) return wanted;
    const freshIds = new Set(fresh.map((r) => r.ID.toLowerCase()));
    const covered = (r: Registration) => early?.prefixes.some((p) => r.ID.toLowerCase().startsWith(p)) ?? false;
    const missing = snapshot ? [] : fresh.filter((r) => !covered(r)).map((r) => r.ID);
    const known = snapshot ?? early?.services ?? [];
    const asked = missing.length > 0 ? await this.consul.servicesWithIds(missing) : [];
    const existing = [...known, ...asked].filter((s) => freshIds.has(s.id.toLowerCase()));
    const hostId = this.options.model.hostId;
    const decision = guardOwnership({
      containerId: id,
      containerName: facts?.name,
      wanted,
      agent: existing,
      hostId,
      replaceRegistrator: this.options.replaceRegistrator ?? false,
      isRegistrators: (s) => facts !== undefined && isRegistratorEntryOf(s, facts),
      running: await this.runningHolders(existing, id),
    });
    for (const { serviceId, existingId } of decision.adopted) {
      // Written over in place, under our Meta; answering before, it answers on (adoption.ts).
      if (await this.consul.answersInDns(existingId)) this.adoptedAnswering.add(serviceId);
      this.log.info(
        { event: 'adopted-registrator', code: 'registrator-adopted', containerId: id, serviceId: existingId },
        `taking over Registrator's ${existingId}`,
      );
    }
    for (const { existingId, squatter, squatterId, finding } of decision.takenBack) {
      const name = facts?.name ?? id;
      this.log.warn(
        {
          event: 'default-id-taken-back',
          code: finding.code,
          container: name,
          containerId: id,
          serviceId: existingId,
          squatter,
          squatterId,
        },
        `container ${name}: ${finding.text} (${finding.fix})`,
      );
    }
    findings.push(...[...decision.refused, ...decision.sidecars].map((r) => r.finding));
    this.hooks.metrics?.inc('registrar_ownership_refusals_total', decision.refused.length);
    return decision.write;
  }

  /** The running containers among those of this host that hold one of these services, by ID with their names. */
  private async runningHolders(services: AgentService[], id: string): Promise<Map<string, string>> {
    const hostId = this.options.model.hostId;
    const holders = new Set(
      services.flatMap((s) => {
        const holder = holderOf(s.meta, hostId, id);
        return holder.kind === 'our-container' && holder.containerId !== '' ? [holder.containerId] : [];
      }),
    );
    const names = await Promise.all([...holders].map(async (c) => [c, await this.runningName(c)] as const));
    return new Map(names.filter((entry): entry is readonly [string, string] => entry[1] !== undefined));
  }

  /**
   * --replace-registrator: once this registrar's service for a port of the container answers in DNS
   * (no critical check: a new check starts critical), Registrator's entry for that port goes, so DNS
   * never goes empty. Until then both answer, with the same container; a later sync tries again.
   */
  private async removeRegistratorEntries(id: string, facts: ContainerFacts, registered: Registration[], snapshot?: AgentService[]) {
    const services = snapshot ?? (await this.consul.servicesWithIdMatching(registratorIdExpression(facts.name)));
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
      this.log.info(
        { event: 'replaced-registrator', container: facts.name, containerId: id, serviceId },
        `removed Registrator's ${serviceId}: container ${facts.name} is registered by this registrar now`,
      );
    }
  }

  /**
   * What the agent has for this sync: the container's own services and, after a start event, the
   * services under the IDs it is likely to ask for (the ownership guard's look-ahead), in one
   * request asked while Docker is asked.
   */
  private agentView(id: string, known: SyncHints): { owned: Promise<OwnedService[]>; lookAhead: Promise<LookAhead | undefined> } {
    const hostId = this.options.model.hostId;
    if (!known.seen || known.stopped || known.snapshot)
      return { owned: ownedServices(this.consul, hostId, id), lookAhead: Promise.resolve(undefined) };
    const prefixes = likelyIdPrefixes(hostId, known.seen.name, known.seen.labels).map((p) => p.toLowerCase());
    const both = this.consul.servicesWithMetaOrIdPrefixes({ [OWNER_META.host]: hostId, [OWNER_META.container]: id }, prefixes);
    return {
      owned: both.then((services) => ownedAmong(services, hostId).filter((s) => s.containerId === id)),
      // A failed look-ahead only costs the question it would have saved (the owned part fails the sync).
      lookAhead: both.then(
        (services) => ({ prefixes, services: services.filter((s) => prefixes.some((p) => s.id.toLowerCase().startsWith(p))) }),
        () => undefined,
      ),
    };
  }

  /** The container's name while it runs; undefined once it is stopped or gone. */
  private async runningName(containerId: string): Promise<string | undefined> {
    const facts = await this.docker.inspect(containerId);
    return facts?.running ? facts.name : undefined;
  }

  /** Writes the difference; returns Consul's refusals by service ID. */
  private async apply(id: string, name: string, desired: Registration[], owned: OwnedService[]): Promise<Map<string, string>> {
    const changes = diff(desired.map(withHash), owned);
    const refusals = new Map<string, string>();
    for (const planned of changes.register) {
      // After the hash: the initial status is no part of what the next sync compares.
      const reg = this.adoptedAnswering.delete(planned.ID) ? startingPassing(planned) : planned;
      const refusal = await this.register(reg, name, id);
      if (refusal) refusals.set(reg.ID, refusal);
    }
    for (const service of changes.deregister.filter((s) => !this.claims.heldByOther(s.id, id))) {
      if (!deregistrableById(service.id)) {
        await this.handToReaper(id, service);
        continue;
      }
      await this.write(id, () => this.consul.deregister(service.id));
      this.hooks.metrics?.inc('registrar_deregistrations_total');
      this.log.info({ event: 'deregistered', container: name, containerId: id, serviceId: service.id }, `deregistered ${service.id}`);
    }
    return refusals;
  }

  /**
   * An ID registered by an earlier version that Consul's API cannot deregister ("/x", "../..": its
   * router answers 301). Registered again without our Meta and with a critical check that Consul's
   * reaper removes after a minute; reported once with what happens.
   */
  private async handToReaper(id: string, service: OwnedService): Promise<void> {
    await this.write(id, () =>
      this.consul.register({
        ID: service.id,
        Name: service.name,
        Tags: [],
        Address: service.address,
        Port: service.port,
        Meta: {},
        // A TTL that expires at once: Consul 1.8.7 never reaps a check that was only registered critical
        // (measured), but reaps one that turned critical, a minute later (measured: 65 s).
        Checks: [
          {
            CheckID: `service:${service.id}:remove`,
            Name: 'left by an earlier consul-registrar',
            TTL: '1s',
            Status: 'critical',
            DeregisterCriticalServiceAfter: '1m',
          },
        ],
      }),
    );
    if (this.reaped.has(service.id)) return;
    this.reaped.add(service.id);
    this.log.warn(
      { containerId: id, serviceId: service.id },
      `service ID ${JSON.stringify(service.id)} cannot be deregistered through Consul's HTTP API (it reads as a path); ` +
        'it is marked critical and Consul removes it about a minute later. If it stays, restart the Consul agent after removing its file from <data_dir>/services',
    );
  }

  /** Registers one service; returns Consul's refusal as a message for the operator, if any. */
  private async register(reg: Registration, container: string, id: string): Promise<string | undefined> {
    const { body, dropped } = fitToAgent(reg, this.options.capabilities);
    for (const field of dropped.filter((f) => !this.droppedFields.has(f))) {
      this.droppedFields.add(field);
      const version = this.options.capabilities.version.join('.');
      const what =
        field === 'DisableRedirects'
          ? 'HTTP checks therefore follow redirects (fixed in 1.9.17, 1.10.10, 1.11.5 and 1.12: CVE-2022-29153)'
          : 'it is left out of every registration';
      this.log.warn({ field }, `Consul ${version} does not accept check field ${field}; ${what} (upgrade Consul to use it)`);
    }
    try {
      await this.write(id, () => this.consul.register(body));
    } catch (err) {
      if (!isRefusal(err)) throw err;
      return `container ${container}: ${describeError(err)} for service ${reg.ID}; fix the container's SERVICE_* labels (retried on every pass)`;
    }
    this.hooks.metrics?.inc('registrar_registrations_total');
    this.log.info(
      {
        event: 'registered',
        container,
        containerId: id,
        serviceId: reg.ID,
        service: reg.Name,
        address: reg.Address,
        port: reg.Port,
        checks: reg.Checks.length,
      },
      `registered ${reg.ID}`,
    );
    return undefined;
  }

  /** A write to Consul, retried briefly on network errors and 5xx; a 4xx is thrown at once. */
  private async write(id: string, call: () => Promise<void>): Promise<void> {
    const { retries, minMs, maxMs } = this.options.writeRetry ?? {
      retries: TIMINGS.writeRetries,
      minMs: TIMINGS.writeRetryMinMs,
      maxMs: TIMINGS.writeRetryMaxMs,
    };
    await pRetry(call, { retries, minTimeout: minMs, maxTimeout: maxMs, shouldRetry: ({ error }) => !isRefusal(error) });
    this.lastWrite.set(id, ++this.writes);
  }

  /** --deregister on-success: a container that exited non-zero keeps its services (they go critical). */
  private keepWhileStopped(facts: ContainerFacts | undefined, stopped: StoppedHint | undefined): boolean {
    if (this.options.deregister !== 'on-success') return false;
    if (stopped) return !stopped.removed && stopped.exitCode !== 0;
    return facts !== undefined && !facts.running && facts.exitCode !== 0;
  }
}
