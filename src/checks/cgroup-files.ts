import { closeSync, constants, openSync, writeSync } from 'node:fs';
import type { CgroupTargets } from './cgroup-join.js';

/**
 * One container's cgroup.procs files, each opened at its first write and kept open until close():
 * an open and a close per hierarchy per run cost more than the write (the migration) itself at
 * 100 checks a second. The descriptors are close-on-exec (as libuv opens every file), so no check
 * inherits one.
 */
export class CgroupFiles {
  private readonly fds = new Map<string, number>();

  constructor(readonly targets: CgroupTargets) {}

  /**
   * Moves process PID into every target. Call it before the process runs anything of the
   * container's (see gate-launcher.ts): what it forks afterwards inherits them. `joined` is
   * false when the required one failed, so that the run must not go on; `allWritten` is false when
   * any failed (whoever keeps these files checks the targets again).
   */
  join(pid: number): { joined: boolean; allWritten: boolean } {
    let joined = false;
    let allWritten = true;
    const text = String(pid);
    for (const file of this.targets.files) {
      // a hierarchy gone from here is no bound to keep; the required one is the caller's to check
      if (!this.write(file, text)) allWritten = false;
      else if (file === this.targets.required) joined = true;
    }
    return { joined, allWritten };
  }

  /** Closes every descriptor kept: the container is gone, or its cgroups changed. */
  close(): void {
    for (const fd of this.fds.values()) closeQuietly(fd);
    this.fds.clear();
  }

  /** Writes through the descriptor kept, or through a fresh one when there is none or it failed. */
  private write(file: string, text: string): boolean {
    const kept = this.fds.get(file);
    if (kept !== undefined && writeQuietly(kept, text)) return true;
    // A kept descriptor that failed may name a cgroup removed and made again under its path.
    if (kept !== undefined) closeQuietly(kept);
    this.fds.delete(file);
    let fd: number;
    try {
      fd = openSync(file, constants.O_WRONLY);
    } catch {
      return false;
    }
    this.fds.set(file, fd);
    return writeQuietly(fd, text);
  }
}

function writeQuietly(fd: number, text: string): boolean {
  try {
    writeSync(fd, text, 0);
    return true;
  } catch {
    return false;
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}
