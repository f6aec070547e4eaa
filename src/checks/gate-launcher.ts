import { spawn } from 'node:child_process';
import type { JoinResult, Launched, Launcher, LaunchRequest } from './launch.js';
import { killGroup } from './process-group.js';

/**
 * Starts each run from Node through a gate: the host's sh waits for a line on stdin before it execs
 * the rest, so the run is in the container's cgroups (its device control above all) before any of the
 * container's code runs; moved after, a check could open a device node its container's root made (a
 * host disk) in the moment before. Everything it forks inherits them, so no child is moved one by one.
 * The fallback where perl is missing: a fork of Node costs ~1 ms of CPU more per run than the fork server.
 */
export class GateLauncher implements Launcher {
  readonly name = 'sh gate';
  readonly setsNoNewPrivs = false;
  /** Process groups of the runs not yet exited. */
  private readonly live = new Set<number>();

  constructor(private readonly sh: string) {}

  launch(request: LaunchRequest): Launched {
    // Its stderr goes into the stdout pipe (2>&1, set before the exec): one pipe and stream less per run.
    const child = spawn(this.sh, ['-c', 'read -r _ && exec "$@" 2>&1', 'sh', ...request.argv], {
      detached: true,
      stdio: ['pipe', 'pipe', 'ignore'],
      env: request.env,
    });
    // detached: the run is a process group of its own (pgid = the gate's pid), which kill(-pgid) ends whole.
    const pgid = child.pid;
    if (pgid) this.live.add(pgid);
    child.stdin.on('error', () => undefined); // a gate already gone: its exit says the rest
    // Without its device control the run must not start: the gate sees end of input and exits.
    const join: JoinResult | undefined = pgid === undefined ? undefined : request.cgroups.join(pgid);
    child.stdin.end(join?.joined ? '\n' : '');
    let failed: Buffer | undefined;
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    }).finally(() => pgid && this.live.delete(pgid));
    // 'close' comes once the gate's process has exited and its output pipe is shut.
    const closed = new Promise<number | null>((resolve) => {
      child.once('close', (code) => resolve(code));
      child.once('error', (err) => {
        failed = Buffer.from(`cannot start the check: ${err.message}`);
        resolve(null);
      });
    });
    return {
      group: () => pgid,
      join: () => join,
      onOutput: (listener) => {
        child.stdout.on('data', listener);
        void closed.then(() => failed && listener(failed));
      },
      closed,
      exited,
      drop: () => child.stdout.destroy(),
    };
  }

  killAll(): void {
    for (const pgid of this.live) killGroup(pgid);
  }
}
