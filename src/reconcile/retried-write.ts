import pRetry from 'p-retry';
import { isRefusal } from '../consul/errors.js';
import { TIMINGS } from '../timings.js';

export interface WriteRetry {
  retries: number;
  minMs: number;
  maxMs: number;
}

const DEFAULT_RETRY: WriteRetry = { retries: TIMINGS.writeRetries, minMs: TIMINGS.writeRetryMinMs, maxMs: TIMINGS.writeRetryMaxMs };

/** A write to Consul for a container; `wrote` is told of each success. */
export type Write = (containerId: string, call: () => Promise<void>) => Promise<void>;

/** Writes retried briefly on network errors and 5xx; a 4xx (a refusal) is thrown at once. */
export function retriedWrites(options: { wrote: (containerId: string) => void; retry?: WriteRetry | undefined }): Write {
  const { wrote, retry = DEFAULT_RETRY } = options;
  const { retries, minMs, maxMs } = retry;
  return async (containerId, call) => {
    await pRetry(call, { retries, minTimeout: minMs, maxTimeout: maxMs, shouldRetry: ({ error }) => !isRefusal(error) });
    wrote(containerId);
  };
}
