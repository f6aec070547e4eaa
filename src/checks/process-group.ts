import { readdirSync, readFileSync } from 'node:fs';
import { TIMINGS } from '../timings.js';

// A run never has more processes worth following than this; a fork bomb is the container's pids limit's.
const MAX_TRACKED = 1024;

/**
 * The process PID and its descendants that are alive now, read from /proc/PID/task/TID/children:
 * the run's own processes, found without looking at anyone else's. One orphaned before this is
 * read (re-parented to the container's init) is missed; the group kill reaches it all the same.
 */
export function descendants(pid: number): number[] {
  const found = [pid];
  for (let i = 0; i < found.length && found.length < MAX_TRACKED; i++) {
    for (const child of childrenOf(found[i]!)) if (!found.includes(child)) found.push(child);
  }
  return found.slice(0, MAX_TRACKED);
}

function childrenOf(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return []; // gone
  }
  return tasks.flatMap((tid) => {
    try {
      return readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  });
}

/**
 * Whether one of `tracked` is still a live (not zombie) member of group `pgid`. kill(2) alone counts
 * zombies, and a container whose init does not reap (busybox sleep as PID 1, say) keeps a check's
 * orphans as zombies forever. Only the run's own processes are read, never all of /proc: those
 * zombies would otherwise make every run of the check scan the whole host.
 */
export function groupHasLiveMember(pgid: number, tracked: readonly number[]): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  return tracked.some((pid) => liveMember(pid, pgid));
}

function liveMember(pid: number, pgid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false; // gone
  }
  // After the command name in parentheses (which may itself hold spaces): state, ppid, pgrp, ...
  const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // The group check also tells a reused PID from the run's own process.
  return Number(pgrp) === pgid && state !== 'Z' && state !== 'X';
}

/** SIGKILL to every process of the group; one already gone is not an error. */
export function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * Resolves once none of `tracked` is a live member of the group, killing the group each time:
 * first after 10 ms (a process just killed takes a moment to die), doubling up to `everyMs`. A
 * member not tracked has had SIGKILL, which the kernel delivers to a whole group at once (a fork
 * racing it included), so it never runs another instruction of its own.
 */
export async function untilGroupGone(pgid: number, tracked: readonly number[], everyMs: number): Promise<void> {
  for (let wait: number = TIMINGS.groupKillFirstWaitMs; ; wait = Math.min(wait * 2, everyMs)) {
    killGroup(pgid);
    if (!groupHasLiveMember(pgid, tracked)) return;
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
