import type { CheckJob } from '../model/registration.js';
import type { Outcome } from './outcome.js';

/**
 * One run of a command inside a container. `outcome` settles by the job's deadline at the latest
 * (critical on timeout), so a hung command never holds up the scheduler; `finished` settles when
 * the command has really ended, and until then the same check is not started again.
 */
export interface Running {
  outcome: Promise<Outcome>;
  finished: Promise<void>;
}

export interface Executor {
  readonly name: string;
  run(job: CheckJob): Running;
}

export function timedOut(job: CheckJob, how: string): Outcome {
  return { status: 'critical', output: `timed out after ${job.timeoutMs} ms: ${job.argv.join(' ')} (${how})` };
}
