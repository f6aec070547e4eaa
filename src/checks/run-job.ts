import type { Logger } from 'pino';
import type { ContainerFacts } from '../model/facts.js';
import { finding } from '../model/finding-codes.js';
import type { CheckJob } from '../model/registration.js';
import { DockerExecExecutor, type ExecApi } from './docker-exec.js';
import { ExecBudget } from './exec-budget.js';
import type { Part } from '../part.js';
import { TIMINGS } from '../timings.js';
import type { Running } from './executor.js';
import { HealthReads } from './health-reads.js';
import { NsenterExecutor } from './nsenter.js';
import { truncate, type Outcome } from './outcome.js';

export type ExecutorChoice = 'docker' | 'nsenter' | 'auto';

/**
 * How each job runs: a Docker health mirror by reading the engine's last result from inspect; a
 * script through Docker's exec API, which applies everything the container has (user, capabilities,
 * seccomp, LSM profile, cgroup). `nsenter` is the explicit opt-in for hosts whose container authors
 * are trusted: cheaper, but without the container's seccomp and LSM profile, so `auto` never picks
 * it; a check it must not run (root user, process not visible) goes through Docker exec, and
 * `onFallback` tells the operator why. Stopping it kills every check process still running.
 */
export class CheckRunner implements Part {
  private readonly viaDocker: DockerExecExecutor;
  private readonly viaNsenter: NsenterExecutor | undefined;
  private stopped = false;
  private readonly healthReads = new HealthReads<ContainerFacts | undefined>();
  private readonly killOnExit = () => this.viaNsenter?.killAll();

  constructor(
    choice: ExecutorChoice,
    docker: ExecApi,
    private readonly inspect: (id: string) => Promise<ContainerFacts | undefined>,
    private readonly onFallback: (job: CheckJob, why: string) => void = () => undefined,
    /** Told once per container whose shell-syntax check found no /bin/sh. */
    private readonly onNoShell: (job: CheckJob, why: string) => void = () => undefined,
    /** Podman: runs a HEALTHCHECK that the engine has not run lately (see healthOf). */
    private readonly runHealthcheck?: (containerId: string) => Promise<void>,
    /** Docker execs a second for the whole host (--docker-exec-rate). */
    execsPerSecond: number = TIMINGS.dockerExecsPerSecond,
  ) {
    this.viaDocker = new DockerExecExecutor(docker, new ExecBudget(execsPerSecond));
    this.viaNsenter = choice === 'nsenter' ? new NsenterExecutor() : undefined;
  }

  readonly run = (job: CheckJob): Running => {
    if (this.stopped)
      return { outcome: Promise.resolve({ status: 'critical', output: 'the registrar is stopping' }), finished: Promise.resolve() };
    if (job.kind === 'docker-health') {
      const outcome = this.healthReads.get(job.containerId, () => this.healthOf(job.containerId)).then(healthOutcome);
      return {
        outcome,
        finished: outcome.then(
          () => undefined,
          () => undefined,
        ),
      };
    }
    const running = this.runScript(job);
    return job.shell ? { ...running, outcome: running.outcome.then((o) => this.explainNoShell(job, o)) } : running;
  };

  /** The container has no check left here: what the nsenter executor keeps open for it is closed. */
  forget(containerId: string): void {
    this.viaNsenter?.forget(containerId);
  }

  /** Docker says the container's health changed: its mirrors' next run reads it afresh. */
  healthChanged(containerId: string): void {
    this.healthReads.changed(containerId);
  }

  /**
   * The container's facts with its latest health result. On Podman, a HEALTHCHECK whose last probe
   * is more than an interval old (or that never ran) is run first: a host without systemd has no
   * one else to run it, and with systemd the engine's own probe is recent, so nothing is added.
   */
  private async healthOf(containerId: string): Promise<ContainerFacts | undefined> {
    const facts = await this.inspect(containerId);
    if (!this.runHealthcheck || !facts?.health || !healthProbeOverdue(facts, Date.now())) return facts;
    await this.runHealthcheck(containerId).catch(() => undefined); // the inspect below says what is known
    return this.inspect(containerId);
  }

  private runScript(job: CheckJob): Running {
    const entry = this.viaNsenter?.prepare(job);
    if (entry === undefined) return this.viaDocker.run(job);
    if ('problem' in entry) {
      this.onFallback(job, entry.problem);
      return this.viaDocker.run(job);
    }
    return this.viaNsenter!.run(job, entry);
  }

  /** A check written for a shell in an image without one: say so plainly (Docker and nsenter say it their own ways). */
  private explainNoShell(job: CheckJob, outcome: Outcome): Outcome {
    if (outcome.status !== 'critical' || !/\/bin\/sh\b.*no such file|no such file.*\/bin\/sh\b/is.test(outcome.output)) return outcome;
    this.onNoShell(job, NO_SHELL_OUTPUT);
    return { status: 'critical', output: NO_SHELL_OUTPUT };
  }

  /** Also at exit: the CLI's stop deadline may end the process while another part's stop hangs. */
  start(): void {
    process.once('exit', this.killOnExit);
  }

  /** No check process outlives the registrar: detached, they would otherwise survive its SIGTERM. */
  async stop(): Promise<void> {
    this.stopped = true;
    process.off('exit', this.killOnExit);
    this.viaNsenter?.killAll();
    await this.viaDocker.killAll(TIMINGS.stopKillChecksMs);
  }
}

const NO_SHELL = finding(
  'script-check-no-shell',
  'its script check is written for a shell (a pipe, &&, a redirection, a $VARIABLE...) but the image has no /bin/sh',
);
/** What the check says in Consul, and the warning's words, for a shell-syntax check in an image without a shell. */
export const NO_SHELL_OUTPUT = `${NO_SHELL.text}: ${NO_SHELL.fix}`;

/** Tells the operator, once per container, that its shell-syntax check found no shell. */
export function noShellReporter(log: Logger): (job: CheckJob, why: string) => void {
  return oncePerReason((job, why) =>
    log.warn(
      { event: 'label-warning', code: NO_SHELL.code, containerId: job.containerId, checkId: job.checkId },
      `container ${job.containerId.slice(0, 12)}: ${why}`,
    ),
  );
}

/** Tells the operator, once per container and reason, that nsenter declined its checks. */
export function fallbackReporter(log: Logger): (job: CheckJob, why: string) => void {
  return oncePerReason((job, why) =>
    log.info(
      {
        event: 'finding',
        code: finding('script-executor-fallback', why).code,
        containerId: job.containerId,
        checkId: job.checkId,
        reason: why,
      },
      `script checks of container ${job.containerId.slice(0, 12)} run through Docker exec, not nsenter: ${why}`,
    ),
  );
}

/** `tell`, called once per container and reason: checks run every interval, the operator hears it once. */
function oncePerReason(tell: (job: CheckJob, why: string) => void): (job: CheckJob, why: string) => void {
  const said = new Map<string, string>();
  return (job, why) => {
    if (said.get(job.containerId) === why) return;
    if (said.size > 10_000) said.clear(); // bounded: containers come and go
    said.set(job.containerId, why);
    tell(job, why);
  };
}

/** No probe within the health interval (plus a second's slack) since the last one, or since the start. */
export function healthProbeOverdue(facts: ContainerFacts, now: number): boolean {
  const health = facts.health!;
  const last = health.lastProbeAt ?? Date.parse(facts.startedAt);
  return !(now - last <= health.intervalMs + TIMINGS.healthProbeSlackMs);
}

export function healthOutcome(facts: ContainerFacts | undefined): Outcome {
  const health = facts?.health;
  if (!health) return { status: 'critical', output: 'the container is gone or has no HEALTHCHECK' };
  if (health.status === 'healthy') return { status: 'passing', output: truncate(health.output) };
  const why = health.status === 'starting' ? 'starting: no health probe has passed yet' : health.status;
  return { status: 'critical', output: truncate(`${why}\n${health.output}`) };
}
