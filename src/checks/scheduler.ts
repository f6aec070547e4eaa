import type { Logger } from 'pino';
import type { Part } from '../part.js';
import type { Metrics } from '../status/metrics.js';
import type { CheckJob } from '../model/registration.js';
import type { Running } from './executor.js';
import { TIMINGS } from '../timings.js';
import { FairSlots, type FairSlotsOptions, type Hold } from './fair-slots.js';
import type { Outcome } from './outcome.js';

export interface SchedulerStats {
  /** Runs started. */
  runs: number;
  /** Runs that started more than max(1 s, interval / 10) after they were due. */
  late: number;
  /** Runs not started because the previous run of the same check had not ended. */
  skipped: number;
  /** Runs whose outcome could not be reported to Consul. */
  reportErrors: number;
}

interface Entry {
  job: CheckJob;
  spec: string;
  timer?: NodeJS.Timeout;
  nextDue: number;
  busy: boolean;
  /** When the last run runNow asked for started: the next waits for the floor after it. */
  lastAskedStart?: number;
  /** runNow asked for the next run. */
  asked?: boolean;
  /** Aborted when the job is removed: a run still waiting for a place gives up its turn. */
  removed: AbortController;
}

export interface SchedulerOptions {
  /** Places: runs started within a lease that may be running at once; more wait (see FairSlots). */
  concurrency: number;
  /** The places' clock and lease (tests). */
  slots?: FairSlotsOptions;
  random?: () => number;
  now?: () => number;
  /** Told how late each run started, in seconds (/metrics' histogram). */
  onLateness?: (seconds: number) => void;
  /** runNow starts no run sooner than this after the check's last start (default: the interval floor). */
  minGapMs?: number;
  /** Told when a container that had jobs has none left (its runner may let go of what it keeps for it). */
  onContainerDone?: (containerId: string) => void;
}

/**
 * Runs every check job on its interval: first runs spread at random over one interval (so a
 * thousand checks registered together do not fire together), at most `concurrency` holding a place
 * at once, never two runs of one check at once. Places are shared between containers by the time
 * they hold them, and a run keeps one for a lease at most, so no container's long or hung checks can
 * make the others' late. Each outcome goes to `report` (Consul's TTL update).
 */
export class CheckScheduler implements Part {
  readonly stats: SchedulerStats = { runs: 0, late: 0, skipped: 0, reportErrors: 0 };
  private readonly entries = new Map<string, Entry>();
  private readonly byContainer = new Map<string, Set<string>>();
  private readonly slots: FairSlots;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly onLateness: ((seconds: number) => void) | undefined;
  private readonly minGapMs: number;
  private readonly onContainerDone: ((containerId: string) => void) | undefined;
  /** After stop(), a sync (a pass still ending) starts nothing: the check runner has killed what ran. */
  private stopped = false;

  constructor(
    private readonly run: (job: CheckJob) => Running,
    private readonly report: (job: CheckJob, outcome: Outcome) => Promise<void>,
    options: SchedulerOptions,
    private readonly log: Logger,
  ) {
    this.slots = new FairSlots(options.concurrency, options.slots);
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.onLateness = options.onLateness;
    this.minGapMs = options.minGapMs ?? TIMINGS.checkIntervalMinMs;
    this.onContainerDone = options.onContainerDone;
  }

  /** Makes this container's running jobs exactly `jobs`; unchanged jobs keep their rhythm. */
  sync(containerId: string, jobs: CheckJob[]): void {
    if (this.stopped) return;
    const wanted = new Map(jobs.map((j) => [j.checkId, j]));
    const current = this.byContainer.get(containerId) ?? new Set<string>();
    for (const checkId of current) {
      const entry = this.entries.get(checkId)!;
      const next = wanted.get(checkId);
      if (!next || JSON.stringify(next) !== entry.spec) this.remove(checkId, current);
    }
    for (const job of jobs) {
      if (current.has(job.checkId)) continue;
      const nextDue = this.now() + this.random() * job.intervalMs;
      const entry: Entry = { job, spec: JSON.stringify(job), nextDue, busy: false, removed: new AbortController() };
      this.entries.set(job.checkId, entry);
      current.add(job.checkId);
      this.arm(entry);
    }
    if (current.size > 0) this.byContainer.set(containerId, current);
    else if (this.byContainer.delete(containerId)) this.onContainerDone?.(containerId);
  }

  /**
   * Runs a check now (a Docker health_status event), unless it is already running; at the earliest
   * the interval floor after the last run it asked for, so a container whose health flaps adds at
   * most one run a floor to those of the interval.
   */
  runNow(checkId: string): void {
    const entry = this.entries.get(checkId);
    if (!entry || entry.busy) return;
    const earliest = Math.max(this.now(), (entry.lastAskedStart ?? -Infinity) + this.minGapMs);
    if (earliest >= entry.nextDue) return; // its next run is as soon, or sooner
    entry.nextDue = earliest;
    entry.asked = true;
    this.arm(entry);
  }

  jobsOf(containerId: string): CheckJob[] {
    return [...(this.byContainer.get(containerId) ?? [])].map((id) => this.entries.get(id)!.job);
  }

  /** Whether `job` is the one now scheduled under its check ID (not removed, nor replaced by a changed one). */
  isCurrent(job: CheckJob): boolean {
    return this.entries.get(job.checkId)?.job === job;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Jobs arrive through sync(); nothing runs before the reconciler hands some over. */
  start(): void {}

  /** Copies the run counters into /metrics. */
  exportTo(metrics: Metrics): void {
    const { runs, late, skipped, reportErrors } = this.stats;
    metrics.set('registrar_check_runs_total', runs);
    metrics.set('registrar_check_late_total', late);
    metrics.set('registrar_check_skipped_total', skipped);
    metrics.set('registrar_check_report_errors_total', reportErrors);
  }

  stop(): void {
    this.stopped = true;
    for (const entry of this.entries.values()) {
      clearTimeout(entry.timer);
      entry.removed.abort();
    }
    this.entries.clear();
    this.byContainer.clear();
  }

  private remove(checkId: string, ofContainer: Set<string>): void {
    const entry = this.entries.get(checkId);
    clearTimeout(entry?.timer);
    entry?.removed.abort();
    this.entries.delete(checkId);
    ofContainer.delete(checkId);
  }

  private arm(entry: Entry): void {
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => void this.fire(entry), Math.max(0, entry.nextDue - this.now()));
    entry.timer.unref();
  }

  private async fire(entry: Entry): Promise<void> {
    const due = entry.nextDue;
    // Keep the rhythm; after a long stall start again from now rather than firing a backlog.
    entry.nextDue = Math.max(due + entry.job.intervalMs, this.now());
    this.arm(entry);
    if (entry.busy) {
      this.stats.skipped++;
      return;
    }
    entry.busy = true;
    const owner = entry.job.containerId;
    let place: Hold;
    try {
      place = await this.slots.acquire(owner, entry.removed.signal);
    } catch {
      // Removed (or the scheduler stopped) while waiting for a place.
      entry.busy = false;
      return;
    }
    if (this.entries.get(entry.job.checkId) !== entry) {
      // Removed just as its place came.
      entry.busy = false;
      place.release();
      return;
    }
    if (entry.asked) {
      entry.asked = false;
      entry.lastAskedStart = this.now();
    }
    const lateBy = this.now() - due;
    this.stats.runs++;
    if (lateBy > Math.max(TIMINGS.checkLateMinMs, entry.job.intervalMs / 10)) this.stats.late++;
    this.onLateness?.(lateBy / 1000);
    let running: Running;
    try {
      running = this.run(entry.job);
    } catch (err) {
      running = { outcome: Promise.resolve({ status: 'critical', output: (err as Error).message }), finished: Promise.resolve() };
    }
    void running.finished.finally(() => (entry.busy = false));
    try {
      const outcome = await running.outcome;
      if (this.entries.get(entry.job.checkId) === entry) await this.report(entry.job, outcome);
    } catch (err) {
      this.stats.reportErrors++;
      this.log.debug({ checkId: entry.job.checkId, err: (err as Error).message }, 'check result not reported');
    } finally {
      place.release();
    }
  }
}
