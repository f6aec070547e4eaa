// The operator's optional answer to "who may call itself what" on a host shared by several teams
// (--name-policy FILE). Pure: parsed once at start, consulted for every service name.
import type { ContainerFacts } from './facts.js';
import { escapeRegExp } from './regexp.js';
import type { Finding } from './findings.js';
import { finding } from './finding-codes.js';

/** Which containers a rule speaks for; every selector given must match. */
export interface ContainerSelector {
  /** "key=value", or "key" for a label that is present. */
  label?: string;
  /** The compose project (label com.docker.compose.project). */
  composeProject?: string;
  /** The image reference the container was created from; * matches any run of characters. */
  image?: string;
}

export interface NameRule {
  /**
   * Service names this rule reserves; * matches any run of characters ("payments-*"). A name
   * reserves the names derived from it too: "vault" also "vault-8200" and "vault-sidecar-proxy".
   */
  names?: string[];
  /** Tags this rule reserves, by the same patterns ("traefik.*", "urlprefix-*"). */
  tags?: string[];
  containers: ContainerSelector;
}

export interface NamePolicy {
  rules: NameRule[];
  /** Names that no rule mentions: allowed for every container (default), or for none. */
  unlisted: 'allow' | 'deny';
}

const COMPOSE_PROJECT = 'com.docker.compose.project';

/** Why this container may not register a service under `name`; undefined when it may. */
export function nameRefusal(policy: NamePolicy, name: string, facts: ContainerFacts): string | undefined {
  // Consul looks names up regardless of case (DNS, the health and catalog endpoints): so does the policy.
  const asked = derivedFrom(name);
  const rules = policy.rules.filter((rule) => (rule.names ?? []).some((pattern) => asked.some((n) => glob(pattern, 'i').test(n))));
  if (rules.length === 0) {
    return policy.unlisted === 'deny'
      ? `the name policy (--name-policy) lists no rule for the name "${name}" and refuses unlisted names`
      : undefined;
  }
  if (rules.some((rule) => selects(rule.containers, facts))) return undefined;
  return `the name policy (--name-policy) reserves the name "${name}" for other containers`;
}

/**
 * The tags this container may give a service, and a finding for each reserved one it may not.
 * Tags no rule mentions are every container's ("unlisted" speaks of names only).
 */
export function allowedTags(policy: NamePolicy, tags: string[], facts: ContainerFacts, findings: Finding[]): string[] {
  return tags.filter((tag) => {
    const rules = policy.rules.filter((rule) => (rule.tags ?? []).some((pattern) => glob(pattern, 'i').test(tag)));
    if (rules.length === 0 || rules.some((rule) => selects(rule.containers, facts))) return true;
    findings.push(
      finding('tag-reserved', `the name policy (--name-policy) reserves the tag "${tag}" for other containers; it is left out`, {
        label: 'SERVICE_TAGS',
      }),
    );
    return false;
  });
}

const SIDECAR = /-sidecar-proxy$/i;
const PORT = /-\d{1,5}$/;

/**
 * The name and every name it may have been derived from: the registrar appends "-<port>" when a
 * container has several ports and "-sidecar-proxy" for a Connect sidecar, so a rule for "vault"
 * must govern "vault-8200" and "vault-sidecar-proxy" as well.
 */
function derivedFrom(name: string): string[] {
  const names = [name];
  const parent = name.replace(SIDECAR, '');
  if (parent !== name && parent !== '') names.push(parent);
  const base = parent.replace(PORT, '');
  if (base !== parent && base !== '') names.push(base);
  return names;
}

function selects(selector: ContainerSelector, facts: ContainerFacts): boolean {
  if (selector.image !== undefined && !glob(selector.image, '').test(facts.image)) return false;
  if (selector.composeProject !== undefined && facts.labels[COMPOSE_PROJECT] !== selector.composeProject) return false;
  if (selector.label !== undefined) {
    const eq = selector.label.indexOf('=');
    const key = eq < 0 ? selector.label : selector.label.slice(0, eq);
    if (!Object.hasOwn(facts.labels, key) || (eq >= 0 && facts.labels[key] !== selector.label.slice(eq + 1))) return false;
  }
  return true;
}

const compiled = new Map<string, RegExp>();

function glob(pattern: string, flags: '' | 'i'): RegExp {
  const key = `${flags}/${pattern}`;
  let re = compiled.get(key);
  if (!re) {
    re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`, flags);
    compiled.set(key, re);
  }
  return re;
}

function patterns(value: unknown, problem: string): void {
  if (!Array.isArray(value) || value.length === 0 || !value.every((n) => typeof n === 'string' && n !== '')) throw new Error(problem);
}

/** Reads a policy file's JSON; throws an Error naming the problem (the caller names the setting). */
export function parseNamePolicy(text: string): NamePolicy {
  const raw = JSON.parse(text) as { rules?: unknown; unlisted?: unknown } | null;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('the file must hold a JSON object with "rules"');
  const unlisted = raw.unlisted ?? 'allow';
  if (unlisted !== 'allow' && unlisted !== 'deny') throw new Error('"unlisted" must be "allow" or "deny"');
  if (!Array.isArray(raw.rules)) throw new Error('"rules" must be a list');
  const rules = raw.rules.map((rule: unknown, i: number): NameRule => {
    if (rule === null || typeof rule !== 'object') throw new Error(`rule ${i + 1} must be an object with "names" and "containers"`);
    const r = rule as { names?: unknown; tags?: unknown; containers?: unknown };
    if (r.names !== undefined || r.tags === undefined) patterns(r.names, `rule ${i + 1}: "names" must be a non-empty list of names`);
    if (r.tags !== undefined) patterns(r.tags, `rule ${i + 1}: "tags" must be a non-empty list of tags`);
    const c = (r.containers !== null && typeof r.containers === 'object' ? r.containers : {}) as Record<string, unknown>;
    const keys = Object.keys(c);
    if (keys.length === 0 || keys.some((k) => !['label', 'composeProject', 'image'].includes(k) || typeof c[k] !== 'string')) {
      throw new Error(`rule ${i + 1}: "containers" must give label, composeProject and/or image, as strings`);
    }
    return {
      ...(r.names !== undefined ? { names: r.names as string[] } : {}),
      ...(r.tags !== undefined ? { tags: r.tags as string[] } : {}),
      containers: c,
    };
  });
  return { rules, unlisted };
}
