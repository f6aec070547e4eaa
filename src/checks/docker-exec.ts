import { existsSync, readFileSync } from 'node:fs';
import { PassThrough, type Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { within } from '../deadline.js';
import { TIMINGS } from '../timings.js';
import type { CheckJob } from '../model/registration.js';
import { ExecBudget } from './exec-budget.js';
import { timedOut, type Executor, type Running } from './executor.js';
import { OutputBuffer, outcomeOf, type Outcome } from './outcome.js';

/** What an exec check asks of the engine (dockerode's calls): create an exec, start it, ask about it. */
export interface ExecApi {
  getContainer(id: string): { exec(options: Docker.ExecCreateOptions): Promise<ExecHandle> };
  modem: { demuxStream(stream: NodeJS.ReadableStream, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): void };
}

/** One exec, as dockerode's Exec has it. */
export interface ExecHandle {
  start(options: { hijack: boolean; stdin: boolean }): Promise<Duplex>;
  inspect(): Promise<ExecStatus>;
}

/** What Docker says about an exec's process. */
export interface ExecStatus {
  Running: boolean;
  ExitCode: number | null;
  Pid?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What a run has got from Docker so far: what the deadline and the end of the run act on. */
interface ExecState {
  containerId: string;
  exec?: ExecHandle;
  stream?: Duplex;
  /** Docker has said the process is no longer running. */
  stopped?: boolean;
  /** Aborted at the deadline: a run still waiting for the host's exec budget gives up its turn. */
  waiting: AbortController;
}

/**
 * Runs the command through Docker's exec API: works without privileges, but costs dockerd about
 * 100 ms of work per run. The deadline covers the whole run, creating and starting the exec
 * included (a hung dockerd cannot hold a check slot). The API cannot stop an exec, so at the
 * deadline the check is reported critical, and the process is killed directly when this registrar
 * can see it (same PID namespace as the host). The run counts as finished only once Docker says
 * the process is gone, so an exec that cannot be killed keeps its check from starting another.
 * Every exec first waits its turn in the host's budget (`budget`), whose wait counts as part of
 * the run: a container asking for more than its share of execs gets late, critical checks.
 */
export class DockerExecExecutor implements Executor {
  readonly name = 'docker';
  /** Runs not yet finished: what killAll acts on. */
  private readonly live = new Set<ExecState>();

  constructor(
    private readonly docker: ExecApi,
    private readonly budget: ExecBudget,
  ) {}

  run(job: CheckJob): Running {
    const state: ExecState = { containerId: job.containerId, waiting: new AbortController() };
    this.live.add(state);
    const completed = this.budget.take(job.containerId, state.waiting.signal).then(() => this.execute(job, state));
    completed.catch(() => undefined); // settled after the deadline: nobody waits for it any more
    const outcome: Promise<Outcome> = within(completed, job.timeoutMs, 'timeout' as const).then(
      async (first) => {
        if (first !== 'timeout') return first;
        state.waiting.abort(new Error('timed out waiting for the exec budget'));
        const killed = state.exec ? await this.kill(state.exec, job.containerId) : false;
        if (!killed) state.stream?.destroy();
        const how = killed
          ? 'killed'
          : state.exec
            ? 'left running: the registrar cannot see its process'
            : "Docker did not start it in time, or the host's exec budget (--docker-exec-rate) had no turn for it";
        return timedOut(job, how);
      },
      (err: Error) => ({ status: 'critical' as const, output: `could not run ${job.argv[0]} in the container: ${err.message}` }),
    );
    const finished = Promise.allSettled([completed, outcome])
      .then(() => this.untilStopped(state, job))
      .finally(() => this.live.delete(state));
    return { outcome, finished };
  }

  /**
   * At shutdown: kills every exec still running whose process is visible here, waiting at most
   * `withinMs` for Docker to name the PIDs (the others stay Docker's: its API cannot stop an exec).
   */
  async killAll(withinMs: number): Promise<void> {
    const kills = [...this.live].filter((state) => state.exec && !state.stopped).map((state) => this.kill(state.exec!, state.containerId));
    await within(Promise.allSettled(kills), withinMs, undefined);
  }

  private async execute(job: CheckJob, state: ExecState): Promise<Outcome> {
    // No User: Docker runs it as the container's configured user, with the container's capabilities,
    // seccomp and LSM profile, and the container's own environment plus SERVICE_IP and SERVICE_PORT.
    const Env = Object.entries(job.env).map(([key, value]) => `${key}=${value}`);
    const exec = await this.docker
      .getContainer(job.containerId)
      .exec({ Cmd: job.argv, Env, AttachStdout: true, AttachStderr: true, Tty: false, Privileged: false });
    state.exec = exec;
    const stream = await exec.start({ hijack: true, stdin: false });
    state.stream = stream;
    const output = new OutputBuffer();
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => output.add(chunk));
    this.docker.modem.demuxStream(stream, sink, sink);
    await new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
    });
    // The stream can end a moment before Docker records the exit code.
    const info = await inspectUntilStopped(exec, TIMINGS.execExitPollMs, TIMINGS.execExitPolls);
    state.stopped = !info.Running;
    return outcomeOf(info.Running ? null : info.ExitCode, output.text());
  }

  /** Resolves once Docker says the exec's process is gone (or it never started, or its container is gone). */
  private async untilStopped(state: ExecState, job: CheckJob): Promise<void> {
    if (!state.exec || state.stopped) return;
    await inspectUntilStopped(state.exec, Math.min(job.intervalMs, TIMINGS.checkGonePollMaxMs)).catch(() => undefined);
  }

  /** Kills the exec's process when it is visible here and really belongs to this container. */
  private async kill(exec: ExecHandle, containerId: string): Promise<boolean> {
    try {
      const { Pid, Running } = await exec.inspect();
      // An exec that has ended left its PID free for reuse, perhaps by the container's own process.
      if (!Running || !Pid || !existsSync(`/proc/${Pid}/cgroup`) || !readFileSync(`/proc/${Pid}/cgroup`, 'utf8').includes(containerId))
        return false;
      process.kill(Pid, 'SIGKILL');
      return true;
    } catch {
      return false;
    }
  }
}

/** Asks Docker about the exec every `everyMs` until it says the process is gone, at most `tries` times; its last answer. */
async function inspectUntilStopped(exec: ExecHandle, everyMs: number, tries = Infinity): Promise<ExecStatus> {
  for (let i = 1; ; i++) {
    const info = await exec.inspect();
    if (!info.Running || i >= tries) return info;
    await sleep(everyMs);
  }
}
