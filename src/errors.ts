/**
 * A short text for a failed call to Docker or Consul, saying which of the two answered: its status
 * and its own message, or the network error (Node's message names the address or socket that
 * failed). Never request headers, so never a token.
 */
export function describeError(err: unknown): string {
  const e = err as { statusCode?: number; message?: string; isPapi?: boolean; response?: { body?: unknown }; json?: { message?: string } | null };
  if (e.statusCode) {
    // The consul package's errors come from papi; dockerode's from docker-modem, with the body in json.
    const daemon = e.isPapi ? 'Consul' : 'Docker';
    const body = typeof e.response?.body === 'string' ? e.response.body.trim() : (e.json?.message ?? '');
    return `${daemon} answered ${e.statusCode}: ${body || e.message}`;
  }
  return e.message ?? String(err);
}

/** Node's codes for a TLS certificate the client did not accept (untrusted issuer, wrong name, expired). */
export function isCertificateError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/.test(code);
}
