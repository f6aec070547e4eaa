import { accessSync, constants, existsSync } from 'node:fs';

/**
 * Where a check's process must go to count as the container's: one `cgroup.procs` file per
 * hierarchy that limits something. `required` is the one that controls devices (v1 `devices`, or
 * the v2 tree, whose device filter is attached there): outside it, a device node the container's
 * root made with mknod (a host disk, say) opens for the check although it never opens inside.
 */
export interface CgroupTargets {
  files: string[];
  required: string | undefined;
}

// Hierarchies that limit nothing a check could spend or reach: joining them costs a write per run
// (a cgroup migration, tens of microseconds of kernel time each) for no bound.
const SKIPPED = new Set(['name=systemd', 'freezer', 'perf_event', 'net_cls', 'net_prio', 'net_cls,net_prio', 'rdma', 'misc']);

/** The cgroup.procs files for the lines of the container's /proc/PID/cgroup, as mounted at `root`. */
export function cgroupTargets(lines: readonly string[], root = '/sys/fs/cgroup'): CgroupTargets {
  const files: string[] = [];
  let devices: string | undefined;
  let unified: string | undefined;
  for (const line of lines) {
    const [, controllers = '', path = ''] = line.split(':');
    if (SKIPPED.has(controllers)) continue;
    const file = `${controllers === '' ? root : `${root}/${controllers.replace(/^name=/, '')}`}${path}/cgroup.procs`.replace(/\/\/+/g, '/');
    files.push(file);
    if (controllers === 'devices') devices = file;
    if (controllers === '') unified = file;
  }
  // A v1 host lists a `0::` line too (the hybrid tree, which controls nothing): there `devices` is the one.
  return { files, required: devices ?? unified };
}

/** Why this registrar cannot put a check into the container's device control, or undefined when it can. */
export function cannotJoin(targets: CgroupTargets): string | undefined {
  if (targets.required === undefined) return "the container's cgroups are not listed";
  try {
    accessSync(targets.required, constants.W_OK);
    return undefined;
  } catch {
    return "the container's cgroups are not writable here (run the registrar with --cgroupns host and a writable /sys/fs/cgroup)";
  }
}

/**
 * The targets as this registrar can use them, or why it cannot join the container's device control:
 * checked once per container's cgroups (an access(2) per run costs CPU at 100 checks a second).
 * A hierarchy not mounted here (the `0::` line of a v1 host, whose tree is elsewhere) is dropped:
 * its write would fail at every run, an exception each time, for no bound.
 */
export function usableTargets(targets: CgroupTargets): CgroupTargets | { problem: string } {
  const problem = cannotJoin(targets);
  if (problem) return { problem };
  return { files: targets.files.filter((file) => file === targets.required || existsSync(file)), required: targets.required };
}
