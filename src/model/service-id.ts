// Which service IDs a label may ask for, which ones Consul can remove again, and which ones a
// container is likely to hold before Docker has said all about it.
import { posix } from 'node:path';

export const MAX_ID_LENGTH = 128;
/** IDs of the registrars' own services (checks/heartbeat.ts): no container may take one. */
export const RESERVED_ID_PREFIX = 'consul-registrar:';

// Characters that survive a URL path untouched: Consul takes a deregistration's ID from the path,
// and answers 301 (so never removes it) to an ID its router would clean, such as "/x" or "../..".
const ID_CHARACTERS = /^[A-Za-z0-9_.:-]+$/;

/** Why a service ID asked for by a label cannot be used; undefined when it can. */
export function idProblem(id: string): string | undefined {
  if (id.length > MAX_ID_LENGTH) return `is longer than ${MAX_ID_LENGTH} characters`;
  if (!ID_CHARACTERS.test(id) || /^\.+$/.test(id)) return 'may hold only letters, digits and - _ . : (and not only dots)';
  if (id.toLowerCase().startsWith(RESERVED_ID_PREFIX))
    return `starts with ${RESERVED_ID_PREFIX}, which is reserved for the registrars' own services`;
  return undefined;
}

/** Whether Consul's HTTP API can remove a service with this ID (see ID_CHARACTERS). */
export function deregistrableById(id: string): boolean {
  const path = `/v1/agent/service/deregister/${id}`;
  return id !== '' && posix.normalize(path) === path;
}

/**
 * Prefixes every service ID of a container is likely to start with, from what a start event already
 * says (its name and labels): the default host:name: form and the IDs its labels ask for. Lets the
 * ownership guard ask Consul while Docker is still being asked; an ID they miss (a SERVICE_ID from
 * image ENV) is looked up afterwards. Over-inclusive is harmless: the guard compares exact IDs.
 */
export function likelyIdPrefixes(hostId: string, name: string, labels: Record<string, string>): string[] {
  const prefixes = [`${hostId}:${name}:`];
  for (const [key, value] of Object.entries(labels)) {
    if (!/^SERVICE_(\d{1,5}_)?ID$/i.test(key)) continue;
    const id = value.trim();
    if (id !== '' && idProblem(id) === undefined) prefixes.push(id);
  }
  return prefixes;
}
