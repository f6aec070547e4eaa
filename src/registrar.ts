import type Docker from 'dockerode';
import type { Logger } from 'pino';
import pRetry from 'p-retry';
import { ConfigError, validHostId, type Settings } from './config.js';
import { ConsulAgent } from './consul/agent.js';
import { AgentWatch } from './consul/agent-watch.js';
import {
  ALIAS_OF_MISSING_IS_CRITICAL_SINCE,
  capabilitiesOf,
  OLDEST_SUPPORTED,
  atLeast,
  parseVersion,
  type Capabilities,
} from './consul/capabilities.js';
import { connectConsul } from './consul/client.js';
import { isUnknownCheck } from './consul/errors.js';
import { describeError, isCertificateError } from './errors.js';
import { connectDocker } from './docker/client.js';
import { CheckScheduler } from './checks/scheduler.js';
import { Heartbeat, registrarServiceId } from './checks/heartbeat.js';
import { jobRunner } from './checks/run-job.js';
import type { Outcome } from './checks/outcome.js';
import { DockerEventWatcher, type ContainerEvent } from './docker/events.js';
import type { CheckJob } from './model/registration.js';
import { Metrics, quantile } from './status/metrics.js';
import { startStatusServer } from './status/server.js';
import { inspectFacts, runningContainerIds } from './docker/inspect.js';
import type { PlanOptions } from './model/plan.js';
import { Reconciler, type ContainerSource } from './reconcile/reconciler.js';

/** What a run needs to know before its first pass: who we are and what the agent accepts. */
export interface Environment {
  docker: Docker;
  consul: ConsulAgent;
  source: ContainerSource;
  plan: PlanOptions;
  capabilities: Capabilities;
  /** The agent's node ID at start, to notice a restarted agent that lost its state. */
  consulNodeId: string;
}

/**
 * Connects to Docker and Consul, retrying with backoff until both answer, and settles the host
 * ID, the host address and the agent's capabilities.
 */
export async function prepare(settings: Settings, log: Logger): Promise<Environment> {
  const docker = connectDocker(settings.docker);
  const connection = connectConsul(settings.consul);
  const consul = new ConsulAgent(connection);
  if (settings.consul.skipVerify && connection.baseUrl.startsWith('https:')) {
    log.warn(
      "--consul-ssl-verify=false / CONSUL_HTTP_SSL_VERIFY=false: Consul's TLS certificate is not verified; give CONSUL_CACERT instead outside tests",
    );
  }
  const retry = <T>(what: string, fix: string, tlsFix: string, call: () => Promise<T>) =>
    pRetry(call, {
      retries: Number.POSITIVE_INFINITY,
      minTimeout: 500,
      maxTimeout: 15_000,
      onFailedAttempt: ({ error, attemptNumber }) =>
        log.warn(
          { attempt: attemptNumber, err: describeError(error) },
          isCertificateError(error)
            ? `${what}'s TLS certificate not accepted; retrying (${tlsFix})`
            : `${what} not reachable; retrying (${fix})`,
        ),
    });
  const [info, self] = await Promise.all([
    retry(
      'Docker',
      `check --docker-host / DOCKER_HOST = ${settings.docker.host}`,
      'check DOCKER_CERT_PATH (ca.pem)',
      () => docker.info() as Promise<{ Name: string }>,
    ),
    retry(
      'Consul',
      `check --consul-addr / CONSUL_HTTP_ADDR = ${settings.consul.addr}`,
      'give the CA that signed it in CONSUL_CACERT, and CONSUL_TLS_SERVER_NAME when the address is not a name in the certificate',
      () => consul.self(),
    ),
  ]);
  const version = parseVersion(self.version);
  if (!version) throw new Error(`cannot read the Consul agent's version "${self.version}"`);
  if (!atLeast(version, OLDEST_SUPPORTED)) {
    log.warn(`Consul ${self.version} is older than ${OLDEST_SUPPORTED.join('.')}: checks that a label removes may stay registered`);
  }
  const hostId = settings.hostId ?? info.Name;
  if (!validHostId(hostId)) {
    throw new ConfigError(
      `Docker's host name "${hostId}" cannot be part of service IDs; set --host-id / REGISTRAR_HOST_ID to letters, digits, - _ and .`,
    );
  }
  // --ttl rests on alias checks of the registrar's own service, which must fail closed when it is gone.
  const ttl = settings.registrarTtl && atLeast(version, ALIAS_OF_MISSING_IS_CRITICAL_SINCE);
  if (settings.registrarTtl && !ttl) {
    log.warn(
      `--ttl is off: on Consul ${self.version} an alias check of a missing service passes, so services would not turn critical when the registrar is gone (upgrade Consul to 1.8 or later)`,
    );
  }
  const plan: PlanOptions = {
    hostId,
    hostIp: settings.hostIp ?? self.address,
    ipFamily: settings.ipFamily,
    explicit: settings.explicit,
    tags: settings.tags,
    scriptChecks: settings.scriptChecks,
    dockerHealth: settings.dockerHealth,
    maxServices: settings.maxServices,
    anyServiceIp: settings.anyServiceIp,
    httpMethods: settings.httpMethods,
    metaFromEnv: settings.metaFromEnv,
    ...(settings.namePolicy ? { namePolicy: settings.namePolicy } : {}),
    ...(settings.network ? { network: settings.network } : {}),
    ...(ttl ? { registrarServiceId: registrarServiceId(hostId) } : {}),
  };
  return {
    docker,
    consul,
    source: { inspect: (id) => inspectFacts(docker, id), runningIds: () => runningContainerIds(docker) },
    plan,
    capabilities: capabilitiesOf(version),
    consulNodeId: self.nodeId,
  };
}

/**
 * The running registrar: Docker events sync one container each, and a full pass runs at start,
 * after every reconnection to Docker, and every --resync seconds to repair anything missed.
 */
export class Registrar {
  private readonly reconciler: Reconciler;
  private readonly watcher: DockerEventWatcher;
  private readonly agentWatch: AgentWatch;
  readonly checks: CheckScheduler;
  private readonly heartbeat: Heartbeat | undefined;
  readonly metrics = new Metrics();
  private lastPassEnded: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> | undefined;
  private passAgain = false;
  private readonly fallbackSaid = new Map<string, string>();

  constructor(
    private readonly env: Environment,
    private readonly settings: Settings,
    private readonly log: Logger,
  ) {
    this.checks = new CheckScheduler(
      jobRunner(
        settings.scriptExecutor,
        env.docker,
        (id) => env.source.inspect(id),
        (job, why) => this.onExecutorFallback(job, why),
      ),
      (job, outcome) => this.reportCheck(job, outcome),
      { concurrency: settings.scriptConcurrency },
      log,
    );
    const ownId = env.plan.registrarServiceId;
    this.heartbeat = ownId && settings.registrarTtl ? new Heartbeat(env.consul, ownId, settings.registrarTtl, log) : undefined;
    this.reconciler = new Reconciler(
      env.source,
      env.consul,
      { plan: env.plan, deregister: settings.deregister, capabilities: env.capabilities, concurrency: settings.concurrency },
      log,
      { checks: this.checks, metrics: this.metrics },
    );
    this.watcher = new DockerEventWatcher(
      env.docker,
      { onContainer: (id, event) => this.onEvent(id, event), onConnected: () => void this.fullPass() },
      log,
    );
    this.agentWatch = new AgentWatch(env.consul, settings.agentPollSeconds * 1000, () => void this.afterAgentRecovered(), log);
  }

  async start(): Promise<void> {
    if (this.settings.scriptChecks && this.settings.scriptExecutor === 'nsenter') {
      this.log.warn(
        "--script-executor nsenter: script checks run as the container's user without its seccomp and LSM profile; use it only where container authors are trusted (docs/security.md)",
      );
    }
    this.agentWatch.start(this.env.consulNodeId);
    await this.heartbeat?.start(); // before any alias check of it is registered
    if (this.settings.httpAddr)
      startStatusServer(this.settings.httpAddr, { metrics: () => this.renderMetrics(), health: () => this.health() }, this.log);
    if (this.settings.resyncSeconds > 0) {
      this.timer = setInterval(() => void this.fullPass(), this.settings.resyncSeconds * 1000);
    }
    return this.watcher.run();
  }

  /** Stops following Docker; with --deregister-on-exit also removes every owned service. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.checks.stop();
    this.heartbeat?.stop();
    this.agentWatch.stop();
    this.watcher.stop();
    await this.pass;
    if (this.settings.deregisterOnExit) {
      const removed = await this.reconciler.removeAll();
      await this.heartbeat?.remove().catch(() => undefined);
      this.log.info({ removed }, `deregistered ${removed} services on exit`);
    }
  }

  /**
   * The agent may have lost everything: first the service every --ttl alias check follows (a
   * failure is the refreshes' to report), then a full pass.
   */
  private async afterAgentRecovered(): Promise<void> {
    await this.heartbeat?.ensure().catch(() => undefined);
    await this.fullPass();
  }

  /** --script-executor nsenter declined a check: said once per container and reason. */
  private onExecutorFallback(job: CheckJob, why: string): void {
    if (this.fallbackSaid.get(job.containerId) === why) return;
    if (this.fallbackSaid.size > 10_000) this.fallbackSaid.clear(); // bounded: containers come and go
    this.fallbackSaid.set(job.containerId, why);
    this.log.info(
      { containerId: job.containerId, checkId: job.checkId, reason: why },
      `script checks of container ${job.containerId.slice(0, 12)} run through Docker exec, not nsenter: ${why}`,
    );
  }

  /** Looks at the container again; a health_status event also refreshes its mirrored health check. */
  private onEvent(id: string, event: ContainerEvent): void {
    this.metrics.inc('registrar_docker_events_total');
    const stopped =
      event.action === 'die' || event.action === 'destroy'
        ? { name: event.attributes.name ?? id, exitCode: Number(event.attributes.exitCode ?? 0), removed: event.action === 'destroy' }
        : undefined;
    void this.reconciler.syncContainer(id, stopped).then(() => {
      if (!event.action.startsWith('health_status')) return;
      for (const job of this.checks.jobsOf(id)) if (job.kind === 'docker-health') this.checks.runNow(job.checkId);
    });
  }

  /** Sends a check's result to its TTL check; a check the agent no longer knows means a resync. */
  private async reportCheck(job: CheckJob, outcome: Outcome): Promise<void> {
    try {
      await this.env.consul.updateTtl(job.checkId, outcome.status, outcome.output);
    } catch (err) {
      if (isUnknownCheck(err)) void this.reconciler.syncContainer(job.containerId);
      throw err;
    }
  }

  private renderMetrics(): string {
    const { runs, late, skipped, reportErrors } = this.checks.stats;
    this.metrics.set('registrar_check_runs_total', runs);
    this.metrics.set('registrar_check_late_total', late);
    this.metrics.set('registrar_check_skipped_total', skipped);
    this.metrics.set('registrar_check_report_errors_total', reportErrors);
    for (const q of [0.5, 0.99])
      this.metrics.set('registrar_check_lateness_seconds', quantile(this.checks.lateness, q) / 1000, `quantile="${q}"`);
    return this.metrics.render();
  }

  /** /healthz: Docker and Consul answer, and a full pass ended recently (within three --resync periods). */
  private async health(): Promise<{ ok: boolean } & Record<string, unknown>> {
    const docker = await Promise.race([
      this.env.docker.ping().then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((r) => setTimeout(() => r(false), 2000)),
    ]);
    const consul = this.agentWatch.reachable;
    const age = this.lastPassEnded === undefined ? undefined : (Date.now() - this.lastPassEnded) / 1000;
    const fresh = age !== undefined && (this.settings.resyncSeconds === 0 || age < 3 * this.settings.resyncSeconds);
    return { ok: docker && consul && fresh, docker, consul, lastFullPassAgeSeconds: age };
  }

  /** One full pass at a time; a request during a pass runs one more after it. */
  fullPass(): Promise<void> {
    if (this.pass) {
      this.passAgain = true;
      return this.pass;
    }
    this.pass = (async () => {
      do {
        this.passAgain = false;
        try {
          const summary = await this.reconciler.fullSync();
          this.lastPassEnded = Date.now();
          this.metrics.inc('registrar_full_passes_total');
          this.metrics.set('registrar_full_pass_seconds', summary.ms / 1000);
          this.metrics.set('registrar_last_full_pass_timestamp_seconds', Math.round(this.lastPassEnded / 1000));
          this.log.info(summary, `full pass: ${summary.containers} containers in ${summary.ms} ms`);
        } catch (err) {
          this.log.warn({ err: describeError(err) }, 'full pass failed; retried at the next pass');
        }
      } while (this.passAgain);
      this.pass = undefined;
    })();
    return this.pass;
  }
}
