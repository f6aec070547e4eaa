import { isUnknownCheck } from '../consul/errors.js';
import type { CheckJob } from '../model/registration.js';
import type { Outcome } from './outcome.js';

/** The one write a check result needs: its TTL check's status and output. */
export interface TtlUpdater {
  updateTtl(checkId: string, status: string, output: string): Promise<void>;
}

/**
 * Sends each check result to its TTL check. A check the agent no longer knows (it lost its state,
 * or the service was removed meanwhile) means the container must be looked at again.
 */
export function ttlReporter(
  consul: TtlUpdater,
  lookAgain: (containerId: string) => void,
): (job: CheckJob, outcome: Outcome) => Promise<void> {
  return async (job, outcome) => {
    try {
      await consul.updateTtl(job.checkId, outcome.status, outcome.output);
    } catch (err) {
      if (isUnknownCheck(err)) lookAgain(job.containerId);
      throw err;
    }
  };
}
