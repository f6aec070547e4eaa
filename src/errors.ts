/**
 * A short text for a failed call to Docker or Consul, saying which of the two answered: its status
 * and its own message, or the network error (Node's message names the address or socket that
 * failed). Never request headers, so never a token.
 */
export function describeError(err: unknown): string {
  const e = err as {
    statusCode?: number;
    message?: string;
    isPapi?: boolean;
    response?: { body?: unknown };
    json?: { message?: string } | null;
  };
  if (e.statusCode) {
    // The consul package's errors come from papi; dockerode's from docker-modem, with the body in json.
    const daemon = e.isPapi ? 'Consul' : 'Docker';
    const body = typeof e.response?.body === 'string' ? e.response.body.trim() : (e.json?.message ?? '');
    return `${daemon} answered ${e.statusCode}: ${body || e.message}`;
  }
  return e.message ?? String(err);
}

// Node's codes for a server certificate the client did not accept: untrusted issuer, wrong name,
// expired. Not the server's alerts about our own client certificate (those need CONSUL_CLIENT_CERT).
const CERTIFICATE_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export function isCertificateError(err: unknown): boolean {
  return CERTIFICATE_CODES.has(String((err as { code?: unknown }).code));
}
