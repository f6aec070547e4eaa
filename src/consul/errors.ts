import { describeError } from '../errors.js';

/** 4xx: Consul refused this request; sending it again unchanged will not help. */
export function isRefusal(err: unknown): boolean {
  const status = statusOf(err);
  return status !== undefined && status >= 400 && status < 500;
}

export function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

/** The agent does not know that TTL check (it lost its state, or the service was removed). */
export function isUnknownCheck(err: unknown): boolean {
  return /unknown check|not found|does not have associated TTL/i.test(describeError(err));
}
