import type { Logger } from 'pino';
import { TIMINGS } from '../timings.js';
import { within } from '../deadline.js';
import type { Capabilities } from '../consul/capabilities.js';
import { isRefusal } from '../consul/errors.js';
import type { ContainerFacts } from '../model/facts.js';
import { planContainer, type PlanOptions } from '../model/plan.js';
import type { ContainerPlan, Registration } from '../model/registration.js';
import type { Finding } from '../model/findings.js';
import { deregistrableById } from '../model/service-id.js';
import type { Metrics } from '../status/metrics.js';
import { Semaphore } from '../semaphore.js';
import { CheckFindings } from './check-findings.js';
import { ServiceIdClaims } from './claims.js';
import { diff, type Changes } from './diff.js';
import { realClock, shouldLook, type Clock, type EventHints } from './event-rules.js';
import { withHash } from './hash.js';
import { KeyedQueue } from './keyed-queue.js';
import { ContainerLedger } from './ledger.js';
import { agentView, type LookAhead } from './look-ahead.js';
import { keepsServicesWhileStopped, type DeregisterMode } from './on-success.js';
import { guardStep, type OwnershipStepParts } from './ownership-step.js';
import { ownedAmong, ownedServices, type OwnedService } from './ownership.js';
import { Reaper } from './reaper.js';
import type { CheckJobs, ContainerSource, ProxyKeeper } from './reconciler-ports.js';
import { RegistratorTakeover } from './registrator-takeover.js';
import { retriedWrites, type Write, type WriteRetry } from './retried-write.js';
import type { AgentCheck, AgentService, ServiceAgent } from './service-agent.js';
import { SyncLog, type Named } from './sync-log.js';
import { SyncMetrics } from './sync-metrics.js';
import { UnsupportedFields } from './unsupported-fields.js';

export type { CheckJobs, ContainerSource, DeregisterMode, EventHints, ProxyKeeper };

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
  writeRetry?: WriteRetry;
  /** The event rules' clock and a connect's wait (default: real time, TIMINGS). */
  clock?: Clock;
  networkSettleMs?: number;
}

/** Everything a Reconciler works with, by name; the last three are optional listeners. */
export interface ReconcilerParts {
  docker: ContainerSource;
  consul: ServiceAgent;
  options: ReconcilerOptions;
  logger: Logger;
  /** Told each container's script-check jobs after a sync. */
  jobs?: CheckJobs;
  /** Told each container's sidecar proxies after a sync. */
  proxies?: ProxyKeeper;
  metrics?: Metrics;
}

/** What one sync planned and wrote, for notify. */
interface SyncOutcome {
  plan: ContainerPlan | undefined;
  desired: Registration[];
  accepted: Registration[];
  /** Consul's refusals by service ID. */
  refusals: Map<string, string>;
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
  private readonly queue = new KeyedQueue();
  /** Bounds a full pass's parallel inspects; event syncs do not wait for it. */
  private readonly passSlots: Semaphore;
  private readonly ledger = new ContainerLedger();
  private readonly claims = new ServiceIdClaims();
  private readonly clock: Clock;
  private readonly log: SyncLog;
  private readonly metrics: SyncMetrics;
  private readonly checkFindings: CheckFindings;
  private readonly write: Write;
  private readonly fields: UnsupportedFields;
  private readonly reaper: Reaper;
  private readonly takeover: RegistratorTakeover;
  private readonly ownership: OwnershipStepParts;
  private readonly docker: ContainerSource;
  private readonly consul: ServiceAgent;
  private readonly options: ReconcilerOptions;
  private readonly hooks: Pick<ReconcilerParts, 'jobs' | 'proxies'>;

  constructor(parts: ReconcilerParts) {
    const { docker, consul, options, logger } = parts;
    this.docker = docker;
    this.consul = consul;
    this.options = options;
    this.hooks = { jobs: parts.jobs, proxies: parts.proxies };
    this.passSlots = new Semaphore(options.concurrency);
    this.clock = options.clock ?? realClock;
    this.log = new SyncLog(logger);
    this.metrics = new SyncMetrics(parts.metrics);
    this.checkFindings = new CheckFindings(logger, parts.metrics);
    this.write = retriedWrites({ wrote: (id) => this.ledger.wrote(id), retry: options.writeRetry });
    this.fields = new UnsupportedFields(options.capabilities, logger);
    this.reaper = new Reaper(consul, this.write, logger);
    this.takeover = new RegistratorTakeover(consul, this.write, this.log);
    this.ownership = {
      consul,
      hostId: options.model.hostId,
      replaceRegistrator: options.replaceRegistrator ?? false,
      docker,
      takeover: this.takeover,
      log: this.log,
      metrics: this.metrics,
    };
  }

  /** A problem with Consul that concerns every container (see consul/errors.ts), while it lasts. */
  get consulProblem(): string | undefined {
    return this.log.consulProblem;
  }

  /** Brings one container's services up to date; Docker events call this (event-rules.ts says when). */
  async syncContainer(id: string, event: EventHints = {}): Promise<void> {
    const rules = { memory: this.ledger, clock: this.clock, settleMs: this.options.networkSettleMs };
    if (!(await shouldLook(id, event, rules))) return;
    await this.queue.run(id, () => this.timedSync(id, event).then(() => undefined));
  }

  /**
   * Every running container and every service this registrar owns, synced. Throws when Docker or
   * Consul cannot be listed (nothing is changed then).
   */
  async fullSync(): Promise<PassSummary> {
    const started = performance.now();
    const writesAtRead = this.ledger.writeCount;
    // One list of every service on the agent: what this host ID owns, and what the ownership guard must not
    // overwrite. The checks once per pass (never per event): which owned services DNS leaves out; a failed read skips only that.
    const [running, all, checks] = await Promise.all([
      this.docker.runningIds(),
      this.consul.servicesWithMeta({}),
      this.consul.checks().catch((err: unknown) => {
        this.log.checksUnread(err);
        return undefined;
      }),
    ]);
    const ownedByContainer = new Map<string, OwnedService[]>();
    for (const s of ownedAmong(all, this.options.model.hostId))
      ownedByContainer.set(s.containerId, [...(ownedByContainer.get(s.containerId) ?? []), s]);
    const ids = new Set([...running, ...ownedByContainer.keys()]);
    this.metrics.findingCounts(this.ledger.prune(ids));
    let failed = 0;
    let late = 0;
    const deadlineMs = this.options.containerDeadlineMs ?? TIMINGS.passContainerDeadlineMs;
    const syncOne = async (id: string) => {
      // A write for this container after we read Consul makes our copy stale: it reads the agent again.
      const hints = this.ledger.writtenSince(id, writesAtRead) ? {} : { owned: ownedByContainer.get(id) ?? [], snapshot: all };
      if (!(await this.timedSync(id, hints))) failed++;
    };
    await Promise.all(
      [...ids].map((id) =>
        this.passSlots.use(async () => {
          // One stuck container does not hold the pass: it goes on in its queue, and the next pass retries.
          const done = this.queue.run(id, () => syncOne(id)).then(() => false);
          if (await within(done, deadlineMs, true)) late++;
        }),
      ),
    );
    if (checks) this.reportCriticalChecks(checks, running, ownedByContainer);
    if (late > 0) this.log.passDeadline(late, deadlineMs);
    return { containers: ids.size, failed: failed + late, ms: Math.round(performance.now() - started) };
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

  /** check-critical for the running containers' owned services (as the pass read them) whose check is critical. */
  private reportCriticalChecks(checks: AgentCheck[], running: string[], owned: Map<string, OwnedService[]>): void {
    const containers = running.flatMap((id) => {
      const name = this.ledger.runningName(id);
      return name === undefined ? [] : [{ id, name, services: owned.get(id) ?? [] }];
    });
    this.checkFindings.update(checks, containers);
  }

  private async timedSync(id: string, hints: SyncHints): Promise<boolean> {
    const started = this.clock.now();
    this.ledger.syncStarted(id, started);
    try {
      return await this.sync(id, hints);
    } finally {
      this.metrics.syncTook(this.clock.now() - started);
    }
  }

  /** Read, plan, guard, diff, write, notify. */
  private async sync(id: string, hints: SyncHints): Promise<boolean> {
    try {
      const { facts, owned, lookAhead } = await this.read(id, hints);
      const c: Named = { id, name: facts?.name ?? hints.stopped?.name ?? id };
      if (keepsServicesWhileStopped(this.options.deregister, facts, hints.stopped)) return this.keep(c, owned);
      const plan = facts ? planContainer(facts, this.options.model) : undefined;
      const findings = [...(plan?.findings ?? []), ...(plan?.skipped ? [plan.skipped] : [])];
      const claimed = this.claims.take(id, plan?.registrations ?? [], findings);
      const desired = await guardStep(this.ownership, {
        containerId: id,
        facts,
        wanted: claimed,
        owned,
        findings,
        snapshot: hints.snapshot,
        lookAhead,
      });
      this.reportFindings(c, facts, findings);
      const refusals = await this.writeChanges(c, diff(desired.map(withHash), owned));
      const accepted = desired.filter((r) => !refusals.has(r.ID));
      if (this.options.replaceRegistrator && facts?.running) await this.takeover.replaceEntries({ id, facts }, accepted, hints);
      this.notify(c, { plan, desired, accepted, refusals });
      return refusals.size === 0;
    } catch (err) {
      this.metrics.syncFailed();
      this.log.syncFailed(id, err);
      return false;
    }
  }

  /** The container's facts and its services on the agent, asked at once; a full pass has read the agent already. */
  private async read(id: string, hints: SyncHints): Promise<{ facts?: ContainerFacts; owned: OwnedService[]; lookAhead?: LookAhead }> {
    const { stopped, snapshot } = hints;
    const seen = stopped || snapshot ? undefined : hints.seen;
    const view = hints.owned
      ? { owned: Promise.resolve(hints.owned), lookAhead: Promise.resolve(undefined) }
      : agentView(this.consul, { hostId: this.options.model.hostId, containerId: id, seen });
    // A die or destroy event already says the container is not running: asking Docker again
    // would wait for it to finish tearing the container down (100 ms and more under load).
    const [facts, owned, lookAhead] = await Promise.all([stopped ? undefined : this.docker.inspect(id), view.owned, view.lookAhead]);
    return { ...(facts && { facts }), owned, ...(lookAhead && { lookAhead }) };
  }

  /** --deregister on-success, a container that exited non-zero: its services stay, its checks and proxies stop. */
  private keep(c: Named, owned: OwnedService[]): true {
    this.metrics.ownedServices(this.ledger.servicesNow(c.id, owned.length));
    this.metrics.findingCounts(this.ledger.findingCodesNow(c.id, []));
    this.hooks.jobs?.sync(c.id, []);
    void this.hooks.proxies?.sync(c.id, []);
    return true;
  }

  /** The plan's and the guard's findings, logged once each; counted while the container runs. */
  private reportFindings(c: Named, facts: ContainerFacts | undefined, findings: Finding[]): void {
    for (const f of this.ledger.unloggedFindings(c.id, findings)) this.log.finding(c, f);
    this.ledger.running(c.id, facts?.running ? c.name : undefined);
    this.metrics.findingCounts(this.ledger.findingCodesNow(c.id, facts?.running ? findings.map((f) => f.code) : []));
  }

  /** Writes the difference; returns Consul's refusals by service ID. */
  private async writeChanges(c: Named, changes: Changes): Promise<Map<string, string>> {
    const refusals = new Map<string, string>();
    for (const planned of changes.register) {
      const reg = this.takeover.firstWrite(planned);
      const refusal = await this.register(c, reg);
      if (refusal) refusals.set(reg.ID, refusal);
    }
    for (const service of changes.deregister.filter((s) => !this.claims.heldByOther(s.id, c.id))) {
      if (!deregistrableById(service.id)) {
        await this.reaper.hand(c.id, service);
        continue;
      }
      await this.write(c.id, () => this.consul.deregister(service.id));
      this.metrics.deregistered();
      this.log.deregistered(c, service.id);
    }
    return refusals;
  }

  /** Registers one service; returns Consul's refusal as a message for the operator, if any. */
  private async register(c: Named, reg: Registration): Promise<string | undefined> {
    const body = this.fields.fit(reg);
    try {
      await this.write(c.id, () => this.consul.register(body));
    } catch (err) {
      if (!isRefusal(err)) throw err;
      return this.log.refusalText(c.name, reg.ID, err);
    }
    this.metrics.registered();
    this.log.registered(c, reg);
    return undefined;
  }

  /** Tells the metrics, the checks, the proxies and the log what the container has on the agent now. */
  private notify(c: Named, { plan, desired, accepted, refusals }: SyncOutcome): void {
    // Nothing left to guard for a container with no services (a stale re-read is only a repeat).
    if (desired.length === 0) this.ledger.forgetWrites(c.id);
    this.metrics.ownedServices(this.ledger.servicesNow(c.id, desired.length - refusals.size));
    const registered = new Set(accepted.flatMap((r) => r.Checks.map((check) => check.CheckID)));
    this.hooks.jobs?.sync(c.id, plan?.jobs.filter((job) => registered.has(job.checkId)) ?? []);
    // A proxy only for a sidecar the agent has: `-sidecar-for` finds its configuration there.
    const sidecars = new Set(accepted.map((r) => r.ID));
    void this.hooks.proxies?.sync(c.id, plan?.proxies.filter((proxy) => sidecars.has(proxy.sidecarId)) ?? []);
    this.metrics.refused(refusals.size);
    for (const text of this.ledger.unloggedRefusals(c.id, [...refusals.values()])) this.log.refused(c, text);
    this.log.syncSucceeded();
  }
}
