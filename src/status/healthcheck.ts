import { isIP } from 'node:net';
import { splitAddr } from './server.js';

/** The URL of /healthz for a status server listening on ADDR, reached from the same host. */
export function healthUrl(addr: string): string {
  const { host, port } = splitAddr(addr);
  // A wildcard listener is reached on loopback.
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${isIP(reachable) === 6 ? `[${reachable}]` : reachable}:${port}/healthz`;
}

/**
 * `consul-registrar healthcheck`, for the image's HEALTHCHECK: asks the running registrar's
 * /healthz at the address the same settings give. With the status server off there is nothing to
 * ask, and it says so rather than failing the container. 3 s: within the images' 5 s probe timeout.
 */
export async function probeHealth(addr: string | undefined): Promise<{ ok: boolean; text: string }> {
  if (!addr) return { ok: true, text: "the status server is off (--http-addr ''): nothing to ask" };
  const url = healthUrl(addr);
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return { ok: res.ok, text: `${url}: ${res.status} ${(await res.text()).trim()}` };
  } catch (err) {
    return { ok: false, text: `${url}: ${(err as Error).cause ? String((err as Error).cause) : (err as Error).message}` };
  }
}
