import { readdirSync, readFileSync } from 'node:fs';

/**
 * Whether a process group still has a member that is not a zombie. kill(2) alone counts zombies,
 * and a container whose init does not reap (busybox sleep as PID 1, say) keeps a killed check's
 * orphans as zombies forever, which would keep the check busy forever.
 */
export function groupHasLiveMember(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // Something answers: rare (a check left a process behind), so the scan of /proc is affordable.
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // After the command name in parentheses (which may itself hold spaces): state, ppid, pgrp, ...
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') return true;
  }
  return false;
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
 * Resolves once the group has no live member, killing what is left: first after 10 ms (a process
 * just killed takes a moment to die), doubling up to `everyMs`.
 */
export async function untilGroupGone(pgid: number, everyMs: number): Promise<void> {
  for (let wait = 10; groupHasLiveMember(pgid); wait = Math.min(wait * 2, everyMs)) {
    killGroup(pgid);
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
