import type { Registration } from '../model/registration.js';
import type { Finding } from '../model/findings.js';
import { finding } from '../model/finding-codes.js';
import { aliasPrimary } from '../model/aliases.js';
import { appPort } from './app-port.js';

/**
 * The registrations without the sidecars and aliases whose parent is not among them: a sidecar proxies
 * for its parent's ID, so one whose parent was refused (a foreign service's ID, another container's)
 * would register a proxy, and a mesh identity, for a service that is not this container's; an alias
 * would take a name, and an ID derived from that service's, for it.
 */
export function derivedFollowParents(registrations: Registration[], findings: Finding[]): Registration[] {
  const ids = new Set(registrations.map((r) => r.ID));
  return registrations.filter((r) => {
    const sidecarOf = r.Kind === 'connect-proxy' ? r.Proxy?.DestinationServiceID : undefined;
    const parent = sidecarOf ?? aliasPrimary(r);
    if (parent === undefined || ids.has(parent)) return true;
    const alias = sidecarOf === undefined;
    const what = alias ? 'alias' : 'sidecar';
    const text = `the ${what} "${r.ID}" is not registered either: its service "${parent}" is not this container's to register`;
    findings.push(finding(alias ? 'alias-primary-refused' : 'sidecar-parent-refused', text, { port: appPort(r) }));
    return false;
  });
}
