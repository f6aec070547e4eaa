import { isIP } from 'node:net';
import { splitAddr } from './server.js';
import { TIMINGS } from '../timings.js';

/** The URL of /healthz for a status server listening on ADDR, reached from the same host. */
export function healthUrl(addr: string): string {
  const { host, port } = splitAddr(addr);
  // A wildcard listener is reached on loopback.
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${isIP(reachable) === 6 ? `[${reachable}]` : reachable}:${port}/healthz`;
}

/**
 * The arguments of the registrar running as PID 1 (the image's entrypoint: `node … /app/dist/cli.js
 * ARGS`), from /proc/1/cmdline; undefined when PID 1 is something else. A HEALTHCHECK runs with the
 * container's environment but not its command, so a --http-addr flag is seen only here.
 */
export function registrarArgs(cmdline: string): string[] | undefined {
  const words = cmdline.replace(/\0$/, '').split('\0');
  const cli = words.findIndex((w) => /(^|\/)cli\.js$/.test(w));
  return cli > 0 && /(^|\/)node$/.test(words[0]!) ? words.slice(cli + 1) : undefined;
}

/**
 * `consul-registrar healthcheck`, for the image's HEALTHCHECK: asks the running registrar's
 * /healthz at the address the same settings give. With the status server off there is nothing to
 * ask, and it says so rather than failing the container.
 */
export async function probeHealth(addr: string | undefined): Promise<{ ok: boolean; text: string }> {
  if (!addr) return { ok: true, text: "the status server is off (--http-addr ''): nothing to ask" };
  const url = healthUrl(addr);
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(TIMINGS.healthcheckProbeMs) });
    return { ok: res.ok, text: `${url}: ${res.status} ${(await res.text()).trim()}` };
  } catch (err) {
    return { ok: false, text: `${url}: ${(err as Error).cause ? String((err as Error).cause) : (err as Error).message}` };
  }
}
