import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import type { CheckJob } from '../model/registration.js';
import { timedOut, type Executor, type Running } from './executor.js';
import { OutputBuffer, outcomeOf } from './outcome.js';

/**
 * Runs the command in the container's mount, UTS, IPC, network and PID namespaces with nsenter:
 * about ten times cheaper than an exec through dockerd. Needs root and the host's PID namespace
 * (`--pid host`), so that the container's main process is visible here. The command runs in its
 * own process group, which is killed whole at the deadline.
 */
export class NsenterExecutor implements Executor {
  readonly name = 'nsenter';

  /**
   * Whether this registrar can enter that container: root with the capabilities setns needs, and
   * the process visible here and still the container's. Without `--pid host` a container's host PID
   * may name one of the registrar's own processes, and a PID may be reused after the container
   * stops: its cgroup path names the container.
   */
  static canEnter(pid: number | undefined, containerId: string): boolean {
    return containerCgroups(pid, containerId) !== undefined;
  }

  run(job: CheckJob): Running {
    const pid = job.pid;
    const cgroups = containerCgroups(pid, job.containerId);
    if (pid === undefined || cgroups === undefined) {
      const outcome = { status: 'critical' as const, output: "container process not visible, or not the container's: is it running, and does the registrar share the host PID namespace (--pid host)?" };
      return { outcome: Promise.resolve(outcome), finished: Promise.resolve() };
    }
    const child = spawn('nsenter', ['-t', String(pid), '-m', '-u', '-i', '-n', '-p', '--', ...job.argv], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    joinCgroups(child.pid, cgroups);
    const output = new OutputBuffer();
    child.stdout.on('data', (chunk: Buffer) => output.add(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.add(chunk));
    const finished = new Promise<number | null>((resolve) => {
      child.on('close', (code) => resolve(code));
      child.on('error', (err) => {
        output.add(Buffer.from(`cannot start nsenter: ${err.message}`));
        resolve(null);
      });
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), job.timeoutMs)));
    const outcome = Promise.race([finished, deadline]).then((first) => {
      clearTimeout(timer);
      if (first !== 'timeout') return outcomeOf(first, output.text());
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL'); // the whole group: nsenter and what it started
      } catch {
        // already gone
      }
      return timedOut(job, 'killed');
    });
    return { outcome, finished: finished.then(() => undefined) };
  }
}

/**
 * Best effort: puts the command into the container's cgroups, so that its CPU and memory count
 * against the container's limits rather than the registrar's. Processes nsenter has already
 * forked are moved too; later ones inherit.
 */
function joinCgroups(pid: number | undefined, containerCgroupLines: string[]): void {
  if (!pid) return;
  const children = (() => {
    try {
      return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    } catch {
      return [];
    }
  })();
  for (const line of containerCgroupLines) {
    const [, controllers = '', path = ''] = line.split(':');
    const base = controllers === '' ? '/sys/fs/cgroup' : `/sys/fs/cgroup/${controllers.replace(/^name=/, '')}`;
    for (const p of [String(pid), ...children]) {
      try {
        writeFileSync(`${base}${path}/cgroup.procs`, p);
      } catch {
        // that hierarchy is not mounted here, or the process has ended
      }
    }
  }
}

/**
 * The lines of /proc/PID/cgroup when this registrar may enter PID as the container's process (see
 * canEnter); undefined otherwise. Read once per run: it also tells joinCgroups where to go.
 */
function containerCgroups(pid: number | undefined, containerId: string): string[] | undefined {
  if (pid === undefined || pid <= 0 || process.getuid?.() !== 0 || !hasNsenterCapabilities()) return undefined;
  try {
    const text = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    return text.includes(containerId) ? text.trim().split('\n') : undefined;
  } catch {
    return undefined;
  }
}

// CAP_SYS_ADMIN (21) to join mount namespaces, CAP_SYS_PTRACE (19) to open another process's.
const NEEDED_CAPABILITIES = (1n << 21n) | (1n << 19n);
let capable: boolean | undefined;

/** Whether this process holds them (read once: a process's capabilities do not grow). */
function hasNsenterCapabilities(): boolean {
  if (capable === undefined) {
    const effective = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    capable = effective !== undefined && (BigInt(`0x${effective}`) & NEEDED_CAPABILITIES) === NEEDED_CAPABILITIES;
  }
  return capable;
}
