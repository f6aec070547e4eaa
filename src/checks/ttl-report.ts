import { isUnknownCheck } from '../consul/errors.js';
import type { CheckJob } from '../model/registration.js';
import { checkTtlMs } from '../model/check-ttl.js';
import { realClock, type Clock } from './clock.js';
import type { Outcome } from './outcome.js';

/** The one write a check result needs: its TTL check's status and output. */
export interface TtlUpdater {
  updateTtl(checkId: string, status: string, output: string): Promise<void>;
}

/** What Consul was last told for one job, and the refresh that keeps it from expiring while writes are skipped. */
interface Written {
  status: string;
  output: string;
  at: number;
  refresh?: { cancel(): void };
}

/**
 * Sends each check result to its TTL check. A check the agent no longer knows (it lost its state,
 * or the service was removed meanwhile) means the container must be looked at again.
 *
 * A result equal to the last one written is not sent again while that write is younger than half
 * the check's TTL: at one run an interval, every other update is skipped. Each is an HTTP PUT, 15 %
 * of the registrar's CPU profile at 100 checks/s (~0.6 ms of 4.2 per run, perf during
 * `npm run bench:checks`), so skipping half saves ~0.3 ms a run. A
 * changed status or output is sent at once. A skip arms a refresh at three quarters of the TTL after
 * the last write, so Consul hears from the check before its TTL runs out even when the next run is
 * late or skipped; the next write, skipped or not, cancels it.
 */
export class TtlReporter {
  private written = new WeakMap<CheckJob, Written>();

  constructor(
    private readonly consul: TtlUpdater,
    private readonly lookAgain: (containerId: string) => void,
    /** Whether the scheduler still runs this job (a refresh for a job it dropped is not sent). */
    private readonly current: (job: CheckJob) => boolean,
    private readonly clock: Clock = realClock,
  ) {}

  /** The scheduler's report: written, or skipped as unchanged (see the class). */
  readonly report = async (job: CheckJob, outcome: Outcome): Promise<void> => {
    const last = this.written.get(job);
    const ttlMs = checkTtlMs(job);
    const now = this.clock.now();
    if (last && last.status === outcome.status && last.output === outcome.output && now - last.at < ttlMs / 2) {
      last.refresh ??= this.clock.after(last.at + (ttlMs * 3) / 4 - now, () => {
        last.refresh = undefined;
        if (this.current(job) && this.written.get(job) === last) void this.write(job, outcome).catch(() => undefined);
      });
      return;
    }
    await this.write(job, outcome);
  };

  /**
   * Forgets what was written: the next result of every job is sent. For when the agent may have
   * lost its checks' state (it was restarted, or forgot the registrar's own check).
   */
  reset(): void {
    this.written = new WeakMap(); // a refresh armed before finds its record gone and sends nothing
  }

  private async write(job: CheckJob, outcome: Outcome): Promise<void> {
    const previous = this.written.get(job);
    previous?.refresh?.cancel();
    this.written.delete(job);
    // Taken before it is sent: Consul's TTL runs from its receipt, which is later.
    const at = this.clock.now();
    try {
      await this.consul.updateTtl(job.checkId, outcome.status, outcome.output);
    } catch (err) {
      if (isUnknownCheck(err)) this.lookAgain(job.containerId);
      throw err;
    }
    this.written.set(job, { status: outcome.status, output: outcome.output, at });
  }
}
