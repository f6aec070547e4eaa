import type { CgroupFiles } from './cgroup-files.js';

/** One run to start: the command (setpriv/nsenter and the check) and where it must be before it runs. */
export interface LaunchRequest {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  cgroups: CgroupFiles;
}

/** Whether the run got into its container's cgroups: `joined` the one that must hold, `allWritten` all. */
export interface JoinResult {
  joined: boolean;
  allWritten: boolean;
}

/** A run started by a launcher: a process group of its own, its output on one stream. */
export interface Launched {
  /** The run's process group (its first process's PID), once known. */
  group(): number | undefined;
  /** How it was put into its cgroups, once known; a run that was not joined ran nothing. */
  join(): JoinResult | undefined;
  onOutput(listener: (chunk: Buffer) => void): void;
  /** Its output is shut and its first process has exited: that exit code, or null (killed, or never started). */
  readonly closed: Promise<number | null>;
  /** Its first process has exited (or never started). */
  readonly exited: Promise<void>;
  /** Stops reading its output: a process that left the group may hold it open for ever. */
  drop(): void;
}

/** Starts runs; each one is in its container's cgroups before any of the container's code runs. */
export interface Launcher {
  readonly name: string;
  /** Whether every run it starts has no_new_privs already (no setpriv is needed in front). */
  readonly setsNoNewPrivs: boolean;
  launch(request: LaunchRequest): Launched;
  /** At shutdown: every run still alive is killed with its whole group. */
  killAll(): void;
}
