// Bounds on what one container's labels may ask for, so that a label costs Consul and the
// registrar a bounded amount of work and cannot produce an entry that outlives its container.
import { posix } from 'node:path';
import type { Finding } from './findings.js';
import { finding } from './finding-codes.js';
import { shown, UNPRINTABLE } from './show.js';

/** Services one container may have unless the operator says otherwise (--max-services). */
export const DEFAULT_MAX_SERVICES = 64;
export const MAX_TAGS = 64;
export const MAX_TAG_LENGTH = 256;
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

/** The tags worth sending: at most MAX_TAGS, each short and free of control characters, no repeats. */
export function boundedTags(tags: string[], findings: Finding[]): string[] {
  const kept: string[] = [];
  for (const tag of new Set(tags)) {
    UNPRINTABLE.lastIndex = 0;
    if (tag.length > MAX_TAG_LENGTH || UNPRINTABLE.test(tag)) {
      findings.push(
        finding(
          'tag-refused',
          `tag ${shown(tag, 40)} is longer than ${MAX_TAG_LENGTH} characters or holds control characters or formatting marks; it is left out`,
          { label: 'SERVICE_TAGS' },
        ),
      );
    } else if (kept.length >= MAX_TAGS) {
      findings.push(finding('too-many-tags', `more than ${MAX_TAGS} tags; the rest are left out`, { label: 'SERVICE_TAGS' }));
      break;
    } else {
      kept.push(tag);
    }
  }
  return kept;
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
