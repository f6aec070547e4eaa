/** A short text for a failed Consul call: status and Consul's own message, never request headers. */
export function describeConsulError(err: unknown): string {
  const e = err as { statusCode?: number; message?: string; response?: { body?: unknown }; code?: string };
  const body = typeof e.response?.body === 'string' ? e.response.body.trim() : '';
  if (e.statusCode) return `Consul answered ${e.statusCode}: ${body || e.message}`;
  return `Consul unreachable: ${e.code ?? e.message ?? String(err)}`;
}

/** 4xx: Consul refused this request; sending it again unchanged will not help. */
export function isRefusal(err: unknown): boolean {
  const status = (err as { statusCode?: number }).statusCode;
  return status !== undefined && status >= 400 && status < 500;
}

export function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}
