import { existsSync, readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type { CheckJob } from '../model/registration.js';
import { timedOut, type Executor, type Running } from './executor.js';
import { OutputBuffer, outcomeOf } from './outcome.js';

/**
 * Runs the command through Docker's exec API: works without privileges, but costs dockerd about
 * 100 ms of work per run. The API cannot stop an exec, so at the deadline the check is reported
 * critical, and the process is killed directly when this registrar can see it (same PID
 * namespace as the host); otherwise it is left to end, and the check is not run again until then.
 */
export class DockerExecExecutor implements Executor {
  readonly name = 'docker';

  constructor(private readonly docker: Docker) {}

  run(job: CheckJob): Running {
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const outcome = this.start(job, finish).catch((err: Error) => {
      finish();
      return { status: 'critical' as const, output: `could not run ${job.argv[0]} in the container: ${err.message}` };
    });
    return { outcome, finished };
  }

  private async start(job: CheckJob, finish: () => void): Promise<ReturnType<typeof outcomeOf>> {
    // No User: Docker runs it as the container's configured user, with the container's capabilities,
    // seccomp and LSM profile, and the container's own environment plus SERVICE_IP and SERVICE_PORT.
    const Env = Object.entries(job.env).map(([key, value]) => `${key}=${value}`);
    const exec = await this.docker
      .getContainer(job.containerId)
      .exec({ Cmd: job.argv, Env, AttachStdout: true, AttachStderr: true, Tty: false, Privileged: false });
    const stream = await exec.start({ hijack: true, stdin: false });
    const output = new OutputBuffer();
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => output.add(chunk));
    this.docker.modem.demuxStream(stream, sink, sink);
    const ended = new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
    });
    void ended.then(finish);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), job.timeoutMs)));
    const first = await Promise.race([ended, deadline]);
    clearTimeout(timer);
    if (first === 'timeout') {
      const killed = await this.kill(exec, job.containerId);
      if (!killed) stream.destroy();
      return timedOut(job, killed ? 'killed' : 'left running: the registrar cannot see its process');
    }
    const info = await exec.inspect();
    return outcomeOf(info.ExitCode, output.text());
  }

  /** Kills the exec's process when it is visible here and really belongs to this container. */
  private async kill(exec: Docker.Exec, containerId: string): Promise<boolean> {
    try {
      const { Pid } = (await exec.inspect()) as { Pid?: number };
      if (!Pid || !existsSync(`/proc/${Pid}/cgroup`) || !readFileSync(`/proc/${Pid}/cgroup`, 'utf8').includes(containerId)) return false;
      process.kill(Pid, 'SIGKILL');
      return true;
    } catch {
      return false;
    }
  }
}
