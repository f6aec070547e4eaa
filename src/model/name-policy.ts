// The operator's optional answer to "who may call itself what" on a host shared by several teams
// (--name-policy FILE). Pure: parsed once at start, consulted for every service name.
import type { ContainerFacts } from './facts.js';
import { escapeRegExp } from './regexp.js';

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
  /** Service names this rule reserves; * matches any run of characters ("payments-*"). */
  names: string[];
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
  const rules = policy.rules.filter((rule) => rule.names.some((pattern) => glob(pattern, 'i').test(name)));
  if (rules.length === 0) {
    return policy.unlisted === 'deny'
      ? `the name policy (--name-policy) lists no rule for the name "${name}" and refuses unlisted names`
      : undefined;
  }
  if (rules.some((rule) => selects(rule.containers, facts))) return undefined;
  return `the name policy (--name-policy) reserves the name "${name}" for other containers`;
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

/** Reads a policy file's JSON; throws an Error naming the problem (the caller names the setting). */
export function parseNamePolicy(text: string): NamePolicy {
  const raw = JSON.parse(text) as { rules?: unknown; unlisted?: unknown } | null;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('the file must hold a JSON object with "rules"');
  const unlisted = raw.unlisted ?? 'allow';
  if (unlisted !== 'allow' && unlisted !== 'deny') throw new Error('"unlisted" must be "allow" or "deny"');
  if (!Array.isArray(raw.rules)) throw new Error('"rules" must be a list');
  const rules = raw.rules.map((rule: unknown, i: number): NameRule => {
    if (rule === null || typeof rule !== 'object') throw new Error(`rule ${i + 1} must be an object with "names" and "containers"`);
    const r = rule as { names?: unknown; containers?: unknown };
    if (!Array.isArray(r.names) || r.names.length === 0 || !r.names.every((n) => typeof n === 'string' && n !== '')) {
      throw new Error(`rule ${i + 1}: "names" must be a non-empty list of names`);
    }
    const c = (r.containers !== null && typeof r.containers === 'object' ? r.containers : {}) as Record<string, unknown>;
    const keys = Object.keys(c);
    if (keys.length === 0 || keys.some((k) => !['label', 'composeProject', 'image'].includes(k) || typeof c[k] !== 'string')) {
      throw new Error(`rule ${i + 1}: "containers" must give label, composeProject and/or image, as strings`);
    }
    return { names: r.names as string[], containers: c };
  });
  return { rules, unlisted };
}
