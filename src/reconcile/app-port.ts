import type { Registration } from '../model/registration.js';

/** The container's own port a registration serves: a sidecar's is its app's, not its listener's. */
export function appPort(reg: Registration): number {
  return reg.Proxy?.LocalServicePort ?? reg.Port;
}
