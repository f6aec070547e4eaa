import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveIdentity, type Identity } from './identity.js';
import type { CheckJob } from '../model/registration.js';
import { timedOut, type Running } from './executor.js';
import { OutputBuffer, outcomeOf } from './outcome.js';

/** What the nsenter executor needs to run a check as the container's user; see NsenterExecutor.prepare. */
export interface Entry {
  identity: Identity;
  env: NodeJS.ProcessEnv;
  cgroups: string[];
}

/**
 * Runs the command in the container's mount, UTS, IPC, network and PID namespaces with nsenter:
 * about ten times cheaper than an exec through dockerd. Needs root, CAP_SYS_ADMIN + CAP_SYS_PTRACE
 * and the host's PID namespace (`--pid host`). The command gets no more than the container has:
 * its environment (not the registrar's, which holds the Consul token), its configured user with
 * supplementary groups dropped (so no capabilities: the kernel clears them at setuid) and
 * no_new_privs (a setuid binary planted in the image cannot win them back). It does not get the
 * container's seccomp or LSM profile, which is why this executor is an explicit opt-in, and why
 * a check whose user is root (who would keep the registrar's capabilities) is never run here.
 */
export class NsenterExecutor {
  readonly name = 'nsenter';
  private readonly nsenter = findExecutable('nsenter');
  private readonly setpriv = findExecutable('setpriv');
  private readonly known = new Map<string, Omit<Entry, 'cgroups'> | { problem: string }>();

  /**
   * Whether this registrar can enter that container: root with the capabilities setns needs, and
   * the process visible here and still the container's. Without `--pid host` a container's host PID
   * may name one of the registrar's own processes, and a PID may be reused after the container
   * stops: its cgroup path names the container.
   */
  static canEnter(pid: number | undefined, containerId: string): boolean {
    return containerCgroups(pid, containerId) !== undefined;
  }

  /** How to enter the job's container as its user, or why this executor must not run it. */
  prepare(job: CheckJob): Entry | { problem: string } {
    if (!this.nsenter) return { problem: 'nsenter (util-linux) is not installed' };
    if (!this.setpriv && !REGISTRAR_HAS_NO_NEW_PRIVS) {
      return { problem: 'setpriv (util-linux) is not installed, and the registrar does not run with no_new_privs itself' };
    }
    const cgroups = containerCgroups(job.pid, job.containerId);
    if (cgroups === undefined) {
      return {
        problem:
          "the container's process is not visible here, or not the container's (does the registrar run with --pid host, CAP_SYS_ADMIN and CAP_SYS_PTRACE?)",
      };
    }
    const key = `${job.containerId}:${job.pid}:${job.user}:${JSON.stringify(job.env)}`;
    let found = this.known.get(key);
    if (!found) {
      found = this.lookUp(job);
      if (this.known.size >= 4096) this.known.clear(); // bounded: containers come and go
      this.known.set(key, found);
    }
    return 'problem' in found ? found : { ...found, cgroups };
  }

  /**
   * Who the check runs as and with which environment: read once per container process (the cgroup
   * check above still runs every time), since reading passwd and environ on every run costs CPU.
   */
  private lookUp(job: CheckJob): Omit<Entry, 'cgroups'> | { problem: string } {
    const identity = resolveIdentity(job.user, `/proc/${job.pid}/root`);
    if ('problem' in identity) return identity;
    // resolveIdentity has already refused numbers that nsenter would cut to 32 bits (2^32 is root too).
    if (identity.uid === 0) return { problem: "it runs as root, whose capabilities nsenter cannot limit to the container's" };
    const env = containerEnv(job.pid);
    if (!env) return { problem: "cannot read the container's environment" };
    return { identity, env: { ...env, ...job.env } };
  }

  run(job: CheckJob, entry: Entry): Running {
    const { uid, gid } = entry.identity;
    const nsenter = [
      this.nsenter!,
      '-t',
      String(job.pid),
      '-m',
      '-u',
      '-i',
      '-n',
      '-p',
      '-S',
      String(uid),
      '-G',
      String(gid),
      '--',
      ...job.argv,
    ];
    // no_new_privs is inherited: a registrar that has it (docker --security-opt no-new-privileges,
    // systemd NoNewPrivileges=yes) saves an exec of setpriv per check (~0.9 ms of CPU here).
    const [program, ...args] = REGISTRAR_HAS_NO_NEW_PRIVS ? nsenter : [this.setpriv!, '--no-new-privs', '--', ...nsenter];
    const child = spawn(program!, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: entry.env });
    joinCgroups(child.pid, entry.cgroups);
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

/** Whether this process already runs with no_new_privs, which every check it starts inherits. */
const REGISTRAR_HAS_NO_NEW_PRIVS = /^NoNewPrivs:\s*1$/m.test(readFileSync('/proc/self/status', 'utf8'));

/** The environment the container's main process started with: what a `docker exec` also gets. */
function containerEnv(pid: number): NodeJS.ProcessEnv | undefined {
  try {
    const env: NodeJS.ProcessEnv = {};
    for (const entry of readFileSync(`/proc/${pid}/environ`).toString('utf8').split('\0')) {
      const eq = entry.indexOf('=');
      if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    return env;
  } catch {
    return undefined;
  }
}

/** An absolute path for a program on the registrar's PATH, looked up once: checks run with the container's environment. */
function findExecutable(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    const path = join(dir || '.', name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
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
