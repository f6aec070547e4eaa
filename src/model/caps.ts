// Caps on how much one container's labels may ask for, so that a label costs Consul and the
// registrar a bounded amount of work.
import type { Finding } from './findings.js';
import { finding } from './finding-codes.js';
import { shown, UNPRINTABLE } from './show.js';

/** Services one container may have unless the operator says otherwise (--max-services). */
export const DEFAULT_MAX_SERVICES = 64;
/** Further names one port's service may have (SERVICE_<port>_ALIASES); each is a service of its own. */
export const MAX_ALIASES_PER_PORT = 8;
export const MAX_TAGS = 64;
export const MAX_TAG_LENGTH = 256;

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
