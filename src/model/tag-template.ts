// The Go-template fields the fayrus/registrator fork allows in tags, evaluated over the container's own
// facts and nothing else (never env, never the host): {{.Name}}, {{.Config.Hostname}}, {{.Config.Image}}
// and {{index .Config.Labels "key"}}. Any other {{ }} stays as written, with a finding.
import type { ContainerFacts } from './facts.js';
import type { Finding } from './findings.js';
import { finding } from './finding-codes.js';
import { MAX_SETTING_LENGTH } from './settings.js';
import { shown } from './show.js';

// No braces inside a field: each scan stops at the next brace, so unclosed {{ cost linear time.
const FIELD = /\{\{([^{}]*)\}\}/g;
const LABEL = /^index\s+\.Config\.Labels\s+"([^"\\]*)"$/;

export interface TagTemplateResult {
  tag: string;
  /** The first field that is not one of the four, as written. */
  unsupported?: string;
}

export function hasTemplate(tag: string): boolean {
  return tag.includes('{{');
}

/** The tag with its fields filled in; the result is cut past MAX_SETTING_LENGTH so a label cannot blow it up. */
export function evaluateTag(tag: string, facts: ContainerFacts): TagTemplateResult {
  let unsupported: string | undefined;
  let out = '';
  let last = 0;
  for (const m of tag.matchAll(FIELD)) {
    const value = fieldValue(m[1]!.trim(), facts);
    if (value === undefined) unsupported ??= m[0];
    out += tag.slice(last, m.index) + (value ?? m[0]);
    last = m.index + m[0].length;
    if (out.length > MAX_SETTING_LENGTH) break;
  }
  if (out.length <= MAX_SETTING_LENGTH) out += tag.slice(last);
  return { tag: out.slice(0, MAX_SETTING_LENGTH + 1), ...(unsupported === undefined ? {} : { unsupported }) };
}

function fieldValue(field: string, facts: ContainerFacts): string | undefined {
  if (field === '.Name') return facts.name;
  if (field === '.Config.Hostname') return facts.hostname ?? '';
  if (field === '.Config.Image') return facts.image;
  const label = LABEL.exec(field);
  if (!label) return undefined;
  // Go's index of a missing map key is the empty string; an inherited name is no label.
  return Object.hasOwn(facts.labels, label[1]!) ? facts.labels[label[1]!]! : '';
}

/** Tags with their fields filled in, empty results dropped; one finding (for every port alike) for the first unsupported field. */
export function templatedTags(tags: string[], facts: ContainerFacts, label: string, findings: Finding[]): string[] {
  let unsupported: string | undefined;
  const filled = tags.map((tag) => {
    if (!hasTemplate(tag)) return tag;
    const result = evaluateTag(tag, facts);
    unsupported ??= result.unsupported;
    return result.tag.trim();
  });
  if (unsupported !== undefined) {
    findings.push(
      finding(
        'tag-template-unsupported',
        `${label} holds ${shown(unsupported, 60)}, which is not {{.Name}}, {{.Config.Hostname}}, {{.Config.Image}} ` +
          `or {{index .Config.Labels "key"}}; it is kept as written`,
        { label },
      ),
    );
  }
  return filled.filter((tag) => tag !== '');
}
