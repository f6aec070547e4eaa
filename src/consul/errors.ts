import { describeError } from '../errors.js';

/**
 * An answer about the registrar's access or the agent itself, not about one registration: a token
 * the agent does not know (revoked, expired), rate limiting, a failing agent. Said once for the
 * host, never as a problem of each container's labels. Undefined for anything else.
 */
export function hostWideProblem(err: unknown): string | undefined {
  const status = statusOf(err);
  if (isUnknownToken(err)) {
    return (
      "Consul does not know the registrar's ACL token (revoked or expired): " +
      'set a valid one with --consul-token / CONSUL_HTTP_TOKEN or CONSUL_HTTP_TOKEN_FILE'
    );
  }
  if (status === 429) return 'Consul is rate-limiting the registrar (429); the next pass retries';
  if (status !== undefined && status >= 500) return `the Consul agent fails (${status}); the next pass retries`;
  return undefined;
}

const ACL_NOT_FOUND = /ACL not found|token not found/i;

/** 403 "ACL not found": the agent does not know the token (revoked, expired, rotated). */
export function isUnknownToken(err: unknown): boolean {
  return statusOf(err) === 403 && ACL_NOT_FOUND.test(describeError(err));
}

/** 4xx about this request: sending it again unchanged will not help (host-wide answers excepted). */
export function isRefusal(err: unknown): boolean {
  const status = statusOf(err);
  return status !== undefined && status >= 400 && status < 500 && hostWideProblem(err) === undefined;
}

export function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

/** The agent does not know that TTL check (it lost its state, or the service was removed). */
export function isUnknownCheck(err: unknown): boolean {
  const text = describeError(err);
  return !ACL_NOT_FOUND.test(text) && /unknown check|not found|does not have associated TTL/i.test(text);
}
