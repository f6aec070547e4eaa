import type { Logger } from 'pino';
import { describeError } from './errors.js';
import type { Settings } from './config.js';
import { AgentWatch } from './consul/agent-watch.js';
import { CheckScheduler } from './checks/scheduler.js';
import { Heartbeat } from './checks/heartbeat.js';
import { CheckRunner, fallbackReporter, noShellReporter } from './checks/run-job.js';
import { TtlReporter } from './checks/ttl-report.js';
import { DockerEventWatcher, isHealthEvent, networkHint, startHint, stoppedHint, type ContainerEvent } from './docker/events.js';
import type { RunContext } from './run-context.js';
import type { Part } from './part.js';
import { FullPasses } from './reconcile/full-passes.js';
import { Reconciler } from './reconcile/reconciler.js';
import { SidecarProxies } from './reconcile/sidecar-proxies.js';
import { ProxyTokens } from './reconcile/proxy-tokens.js';
import { healthOf } from './status/health.js';
import { Metrics } from './status/metrics.js';
import type { StatusServer } from './status/server.js';

/**
 * The running registrar, wired: Docker events sync one container each, full passes repair what an
 * event missed, checks report to TTL checks. Each part owns its timers; this class only connects
 * them, starts them in order and stops them in reverse.
 */
export class Registrar {
  readonly metrics = new Metrics();
  readonly scheduler: CheckScheduler;
  private readonly checkRunner: CheckRunner;
  private readonly ttlReports: TtlReporter;
  private readonly reconciler: Reconciler;
  private readonly sidecars: SidecarProxies;
  private readonly passes: FullPasses;
  private readonly heartbeat: Heartbeat | undefined;
  /** In start order: the agent watch first (it notices a lost agent), the Docker events last (they start the work). */
  private readonly parts: Part[];
  private ended!: () => void;
  private readonly profile: RunContext['profile'];
  private readonly stopped = new Promise<void>((resolve) => (this.ended = resolve));

  constructor(
    context: RunContext,
    private readonly settings: Settings,
    private readonly log: Logger,
    /** Started by the CLI before Docker and Consul were reached; the registrar's sources from now on. */
    status: StatusServer,
  ) {
    this.profile = context.profile;
    const lookAgain = (id: string) => void this.reconciler.syncContainer(id);
    const checkRunner = (this.checkRunner = new CheckRunner(
      settings.scriptExecutor,
      context.dockerStreams,
      (id) => context.source.inspect(id),
      fallbackReporter(log),
      noShellReporter(log),
      context.profile.runHealthcheck,
      settings.dockerExecRate,
    ));
    this.ttlReports = new TtlReporter(context.consul, lookAgain, (job) => this.scheduler.isCurrent(job));
    this.scheduler = new CheckScheduler(
      checkRunner.run,
      this.ttlReports.report,
      {
        concurrency: settings.scriptConcurrency,
        onLateness: (seconds) => this.metrics.observe('registrar_check_lateness_seconds', seconds),
        onContainerDone: (id) => checkRunner.forget(id),
      },
      log,
    );
    const ownTokens = context.model.connect?.proxy?.ownTokens === true;
    this.sidecars = new SidecarProxies(
      context.proxies,
      context.model.hostId,
      log,
      lookAgain,
      undefined,
      ownTokens ? new ProxyTokens(context.consul.acl, context.model.hostId, log) : undefined,
    );
    // A heartbeat whose check the agent forgot means the agent lost the other services too: a full pass.
    const lost = () => {
      this.ttlReports.reset();
      void this.passes.request();
    };
    this.heartbeat = context.ttl ? new Heartbeat(context.consul, context.ttl.serviceId, context.ttl, log, lost) : undefined;
    this.reconciler = new Reconciler({
      docker: context.source,
      consul: context.consul,
      options: {
        model: context.model,
        deregister: settings.deregister,
        capabilities: context.capabilities,
        concurrency: settings.concurrency,
        replaceRegistrator: settings.replaceRegistrator,
      },
      logger: log,
      jobs: this.scheduler,
      proxies: this.sidecars,
      metrics: this.metrics,
    });
    this.passes = new FullPasses(() => this.fullSync(), settings.resyncSeconds, this.metrics, log);
    const agentWatch = new AgentWatch(
      context.consul,
      context.consulNodeId,
      settings.agentPollSeconds * 1000,
      () => void this.afterAgentRecovered(),
      log,
    );
    status.serve({
      metrics: () => {
        this.scheduler.exportTo(this.metrics);
        return this.metrics.render({ up: () => ({ docker: events.connected, consul: agentWatch.reachable }) });
      },
      health: () =>
        healthOf({
          pingDocker: () => context.docker.ping(),
          consulReachable: () => agentWatch.reachable,
          lastFullPass: () => this.passes.lastEnded,
          consulProblem: () => this.reconciler.consulProblem,
          resyncSeconds: settings.resyncSeconds,
        }),
    });
    const events = new DockerEventWatcher(
      context.dockerStreams,
      {
        onContainer: (id, event) => this.onEvent(id, event),
        onConnected: () => void this.passes.request(),
        auditEveryMs: context.profile.auditOff ? 0 : settings.eventsAuditSeconds * 1000,
      },
      log,
    );
    // The heartbeat registers the registrar's own service before any alias check of it exists; the
    // check runner stops after the scheduler, so that no check starts after it has killed the running ones.
    this.parts = [
      agentWatch,
      ...(this.heartbeat ? [this.heartbeat] : []),
      status,
      this.passes,
      this.sidecars,
      checkRunner,
      this.scheduler,
      events,
    ];
  }

  /** Starts every part; resolves once stop() has stopped them all. */
  async start(): Promise<void> {
    if (this.settings.model.scriptChecks && this.settings.scriptExecutor === 'nsenter') {
      this.log.warn(
        "--script-executor nsenter: script checks run as the container's user without its seccomp " +
          'and LSM profile; use it only where container authors are trusted (docs/security.md)',
      );
    }
    if (this.profile.auditOff && this.settings.eventsAuditSeconds > 0) this.log.info({ event: 'events-audit-off' }, this.profile.auditOff);
    for (const part of this.parts) await part.start();
    await this.stopped;
  }

  /**
   * Stops every part in reverse order, each even when one before it failed to stop (a failure is
   * logged once all have stopped); with --deregister-on-exit then removes every owned service.
   */
  async stop(): Promise<void> {
    const failed: { part: string; err: string }[] = [];
    for (const part of [...this.parts].reverse()) {
      try {
        await part.stop();
      } catch (err) {
        failed.push({ part: part.constructor.name, err: describeError(err) });
      }
    }
    for (const { part, err } of failed) this.log.error({ event: 'stop-failed', part, err }, `${part} did not stop cleanly: ${err}`);
    try {
      if (this.settings.deregisterOnExit) {
        const removed = await this.reconciler.removeAll();
        await this.heartbeat?.remove().catch(() => undefined);
        this.log.info({ removed }, `deregistered ${removed} services on exit`);
      }
    } finally {
      this.ended();
    }
  }

  /** Asks for a full pass (tests and the benchmark use it to wait for one). */
  fullPass(): Promise<void> {
    return this.passes.request();
  }

  /** A full pass, after the proxy keeper has seen which apps have proxies (and removed those of stopped apps). */
  private async fullSync(): ReturnType<Reconciler['fullSync']> {
    await this.sidecars
      .repair()
      .catch((err: unknown) =>
        this.log.warn({ event: 'proxy-failed', err: describeError(err) }, 'Connect proxies could not be listed; retried at the next pass'),
      );
    return this.reconciler.fullSync();
  }

  /**
   * The agent may have lost everything: first the service every --ttl alias check follows (a
   * failure is the refreshes' to report), then a full pass.
   */
  private async afterAgentRecovered(): Promise<void> {
    this.ttlReports.reset();
    await this.heartbeat?.ensure().catch(() => undefined);
    await this.passes.request();
  }

  /** Looks at the container again; a health_status event also refreshes its mirrored health check. */
  private onEvent(id: string, event: ContainerEvent): void {
    this.metrics.inc('registrar_docker_events_total');
    const stopped = stoppedHint(id, event);
    this.sidecars.onEvent(id, stopped !== undefined, event.attributes);
    const received = performance.now();
    const seen = startHint(event);
    void this.reconciler.syncContainer(id, { stopped, seen, network: networkHint(event) }).then(() => {
      if (seen) this.metrics.observe('registrar_event_to_registered_seconds', (performance.now() - received) / 1000);
      if (!isHealthEvent(event)) return;
      this.checkRunner.healthChanged(id);
      for (const job of this.scheduler.jobsOf(id)) if (job.kind === 'docker-health') this.scheduler.runNow(job.checkId);
    });
  }
}
