import { accessSync, closeSync, constants, openSync, readFileSync, readlinkSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { processIdentity, type Identity } from './identity.js';
import { within } from '../deadline.js';
import { TIMINGS } from '../timings.js';
import type { CheckJob } from '../model/registration.js';
import { timedOut, type Running } from './executor.js';
import { OutputBuffer, outcomeOf, type Outcome } from './outcome.js';
import { descendants, killGroup, untilGroupGone } from './process-group.js';
import { cgroupTargets, usableTargets } from './cgroup-join.js';
import { CgroupFiles } from './cgroup-files.js';
import { ForkServer } from './fork-server.js';
import { GateLauncher } from './gate-launcher.js';
import type { Launcher } from './launch.js';

/** What the nsenter executor needs to run a check as the container's user; see NsenterExecutor.prepare. */
export interface Entry {
  identity: Identity;
  env: NodeJS.ProcessEnv;
  cgroups: CgroupFiles;
  /** A cgroup write failed: the container's targets are checked again at its next run. */
  recheckCgroups: () => void;
}

/**
 * What is read once per container process: its PATH, and its cgroups as last seen with the files
 * they give (the sh gate keeps them open between runs), or why it cannot be entered.
 */
interface Known {
  pid: number;
  found: { env: NodeJS.ProcessEnv } | { problem: string };
  cgroups?: { text: string; files: CgroupFiles | { problem: string } };
}

/** Why a container whose main process is root gets its checks through Docker exec instead. */
export const ROOT_USER_PROBLEM = "it runs as root, whose capabilities nsenter cannot limit to the container's";

/**
 * Runs the command in the container's mount, UTS, IPC, network and PID namespaces with nsenter:
 * about ten times cheaper than an exec through dockerd (docs/security.md). Needs root, CAP_SYS_ADMIN + CAP_SYS_PTRACE
 * and the host's PID namespace (`--pid host`). The command gets no more than the container has:
 * its environment (not the registrar's, which holds the Consul token), the uid and gid its main
 * process holds, with no supplementary groups (so no capabilities: the kernel clears them at setuid) and no_new_privs (a
 * setuid binary planted in the image cannot win them back). It does not get the
 * container's seccomp or LSM profile, which is why this executor is an explicit opt-in, and why
 * a check whose user is root (who would keep the registrar's capabilities) is never run here.
 */
export class NsenterExecutor {
  readonly name = 'nsenter';
  private readonly nsenter = findExecutable('nsenter');
  private readonly setpriv = findExecutable('setpriv');
  /** How runs are started: the fork server where perl is installed, else a fork of Node per run. */
  private readonly launcher = launcherHere();
  /** By container ID; forget() drops a container's entry with its open files. */
  private readonly known = new Map<string, Known>();

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
    if (!this.launcher) return { problem: 'neither perl nor sh is installed' };
    if (!this.setpriv && !REGISTRAR_HAS_NO_NEW_PRIVS && !this.launcher.setsNoNewPrivs) {
      return { problem: 'setpriv (util-linux) is not installed, and the registrar does not run with no_new_privs itself' };
    }
    // Read at every run: it tells that the PID is still the container's (a PID can be reused).
    const cgroups = containerCgroups(job.pid, job.containerId);
    if (cgroups === undefined) {
      return {
        problem:
          "the container's process is not visible here, or not the container's " +
          '(does the registrar run with --pid host, CAP_SYS_ADMIN and CAP_SYS_PTRACE?)',
      };
    }
    let known = this.known.get(job.containerId);
    if (known?.pid !== job.pid) {
      this.forget(job.containerId); // restarted: a new process, maybe new cgroups
      if (this.known.size >= 4096) this.forgetAll(); // bounded: forget() is the rule, this the backstop
      known = { pid: job.pid, found: this.lookUp(job) };
      this.known.set(job.containerId, known);
    }
    const found = known.found;
    if ('problem' in found) return found;
    // Where to join, and whether it can, only when the container's cgroups changed or a write failed.
    if (known.cgroups?.text !== cgroups) {
      closeFiles(known);
      const targets = usableTargets(cgroupTargets(cgroups.trim().split('\n')));
      known.cgroups = { text: cgroups, files: 'problem' in targets ? targets : new CgroupFiles(targets) };
    }
    const files = known.cgroups.files;
    if ('problem' in files) {
      known.cgroups = undefined; // a refusal is checked again at each run: the operator may fix the mount
      return files;
    }
    // Read at every run (one small file): a main process that starts as root and drops to its user
    // later (gosu, su-exec) is run as that user once it has, never as the root it was.
    const identity = processIdentity(job.pid);
    if ('problem' in identity) return identity;
    // processIdentity has already refused numbers that nsenter would cut to 32 bits (2^32 is root too).
    if (identity.uid === 0) return { problem: ROOT_USER_PROBLEM };
    const entry = known;
    return { identity, env: { ...found.env, ...job.env }, cgroups: files, recheckCgroups: () => closeFiles(entry) };
  }

  /** The container is gone (or has no script check left): its cgroup files are closed. */
  forget(containerId: string): void {
    const known = this.known.get(containerId);
    if (known) closeFiles(known);
    this.known.delete(containerId);
  }

  private forgetAll(): void {
    for (const id of [...this.known.keys()]) this.forget(id);
  }

  /** The check's environment, read once per container process: reading environ on every run costs CPU. */
  private lookUp(job: CheckJob): Known['found'] {
    if (!sameUserNamespace(job.pid))
      return { problem: 'it runs in a user namespace of its own (userns-remap), where its uid is not the same' };
    const path = containerPath(job.pid);
    if (path === undefined) return { problem: "cannot read the container's PATH" };
    return { env: { PATH: path } };
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
      // --setgid also clears the supplementary groups (the Identity type says why none are given).
      '-G',
      String(gid),
      '--',
      ...job.argv,
    ];
    // no_new_privs is inherited: a registrar that has it (docker --security-opt no-new-privileges,
    // systemd NoNewPrivileges=yes), or a launcher that sets it, saves an exec of setpriv per check (~0.9 ms of CPU here).
    const launcher = this.launcher!;
    const command = REGISTRAR_HAS_NO_NEW_PRIVS || launcher.setsNoNewPrivs ? nsenter : [this.setpriv!, '--no-new-privs', '--', ...nsenter];
    const launched = launcher.launch({ argv: command, env: entry.env, cgroups: entry.cgroups });
    const output = new OutputBuffer();
    launched.onOutput((chunk) => output.add(chunk));
    // `closed` comes once the run's first process has exited and its output is shut: a background child
    // that keeps it open holds it back, as it holds back Consul's own script checks, until the deadline.
    let tracked: number[] = [];
    const outcome = within(launched.closed, job.timeoutMs, 'timeout' as const).then((first) => {
      // Nothing a run started outlives it: its group is killed whether it ended or timed out.
      const pgid = launched.group();
      if (pgid) {
        // Once closed, its first process is reaped and its orphans are the container init's: only a
        // run still going (timed out) has descendants to follow, and /proc is read for those alone.
        if (first === 'timeout') tracked = descendants(pgid);
        killGroup(pgid);
      }
      const join = launched.join();
      if (join?.allWritten === false) entry.recheckCgroups();
      if (first === 'timeout') {
        launched.drop(); // a process that left the group may still hold its output
        return join?.joined === false ? NOT_JOINED : timedOut(job, 'killed');
      }
      return join?.joined ? outcomeOf(first, output.text()) : NOT_JOINED;
    });
    // Finished once its first process has exited and no live process is left in its group.
    const finished = outcome
      .then(() => launched.exited)
      .then(() => {
        const pgid = launched.group();
        return pgid ? untilGroupGone(pgid, tracked, Math.min(job.intervalMs, TIMINGS.checkGonePollMaxMs)) : undefined;
      });
    return { outcome, finished };
  }

  /** At shutdown: every run still alive is killed with its whole group, so none outlives the registrar. */
  killAll(): void {
    this.launcher?.killAll();
  }
}

function launcherHere(): Launcher | undefined {
  const perl = findExecutable('perl');
  if (perl) return new ForkServer(perl);
  const sh = findExecutable('sh');
  return sh ? new GateLauncher(sh) : undefined;
}

/** Closes what a container's entry keeps open; its targets are worked out again at its next run. */
function closeFiles(known: Known): void {
  const files = known.cgroups?.files;
  if (files && !('problem' in files)) files.close();
  known.cgroups = undefined;
}

const NOT_JOINED: Outcome = { status: 'critical', output: "not run: it could not be put into its container's cgroups" };

/** Whether this process already runs with no_new_privs, which every check it starts inherits. */
const REGISTRAR_HAS_NO_NEW_PRIVS = /^NoNewPrivs:\s*1$/m.test(readFileSync('/proc/self/status', 'utf8'));

/**
 * The container's PATH, and nothing else of its environment: setpriv and nsenter start as root in
 * the registrar's namespaces with the environment they are given, so a variable the container sets
 * (LD_PRELOAD pointing into its image, say) would run the author's code as root (found in review).
 * nsenter hands its environment to the check unchanged, so the check gets PATH (to find its command
 * inside the container) plus SERVICE_IP and SERVICE_PORT; Docker exec gives the whole environment.
 */
function containerPath(pid: number): string | undefined {
  try {
    // At most MAX_ENVIRON bytes are read: a container can make its environment megabytes long.
    const fd = openSync(`/proc/${pid}/environ`, 'r');
    const buffer = Buffer.alloc(MAX_ENVIRON);
    let length: number;
    try {
      length = readSync(fd, buffer, 0, MAX_ENVIRON, 0);
    } finally {
      closeSync(fd);
    }
    const text = buffer.subarray(0, length).toString('utf8');
    const line = text.split('\0').find((entry) => entry.startsWith('PATH='));
    const path = line?.slice('PATH='.length) ?? DEFAULT_PATH;
    // Only a plain list of absolute folders: nothing else ever reaches the root stages.
    return /^(\/[A-Za-z0-9._/-]*)(:\/[A-Za-z0-9._/-]*)*$/.test(path) && path.length <= 4096 ? path : DEFAULT_PATH;
  } catch {
    return undefined;
  }
}

const MAX_ENVIRON = 128 * 1024;
// Docker's own default PATH for a container that sets none.
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Whether the container shares this registrar's user namespace, so that its uids mean what they say. */
function sameUserNamespace(pid: number): boolean {
  try {
    return readlinkSync(`/proc/${pid}/ns/user`) === readlinkSync('/proc/self/ns/user');
  } catch {
    return false;
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
 * The text of /proc/PID/cgroup when this registrar may enter PID as the container's process (see
 * canEnter); undefined otherwise. Read once per run: it also tells joinCgroups where to go.
 */
function containerCgroups(pid: number | undefined, containerId: string): string | undefined {
  if (pid === undefined || pid <= 0 || process.getuid?.() !== 0 || !hasNsenterCapabilities()) return undefined;
  try {
    const text = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    return text.includes(containerId) ? text : undefined;
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
