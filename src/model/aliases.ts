// SERVICE_<port>_ALIASES=a,b: the port's service registered under further names, each a service of
// its own at the same address and port, so Consul DNS answers for every name. Pure.
import { MAX_ALIASES_PER_PORT } from './caps.js';
import type { ContainerFacts } from './facts.js';
import type { Finding } from './findings.js';
import { finding } from './finding-codes.js';
import { nameRefusal, type NamePolicy } from './name-policy.js';
import { dnsSafeName } from './names.js';
import type { Registration } from './registration.js';
import { ALIAS_INFIX } from './reserved-ids.js';
import { splitList } from './settings.js';
import { shown } from './show.js';

export interface AliasRequest {
  port: number;
  /** SERVICE_<port>_ALIASES, else SERVICE_ALIASES. */
  value: string | undefined;
  /** Whether the value is the port's own key, not shared by its other ports. */
  own: boolean;
  /** The container has several ports: a shared alias gets `-<port>`, as a shared SERVICE_NAME does. */
  several: boolean;
  /** The primary's name: an alias equal to it adds nothing. */
  primaryName: string;
  namePolicy?: NamePolicy | undefined;
  facts: ContainerFacts;
  findings: Finding[];
}

/** The aliases a port may have, in the order given: DNS-safe, allowed by the name policy, distinct, bounded. */
export function aliasNames(r: AliasRequest): string[] {
  if (r.value === undefined) return [];
  const label = r.own ? `SERVICE_${r.port}_ALIASES` : 'SERVICE_ALIASES';
  const at = { port: r.port, label };
  const seen = new Set([r.primaryName.toLowerCase()]);
  const kept: string[] = [];
  for (const given of splitList(r.value)) {
    const alias = r.several && !r.own ? `${given}-${r.port}` : given;
    // Consul compares names regardless of case, so "WWW" after "www" is the same name again.
    if (seen.has(alias.toLowerCase())) continue;
    seen.add(alias.toLowerCase());
    const problem = aliasProblem(alias, r.namePolicy, r.facts);
    if (problem !== undefined) {
      r.findings.push(finding('alias-refused', `port ${r.port}: alias ${shown(alias, 80)} ${problem}; it is not registered`, at));
      continue;
    }
    if (kept.length >= MAX_ALIASES_PER_PORT) {
      const text = `port ${r.port}: more than ${MAX_ALIASES_PER_PORT} aliases; ${shown(alias, 80)} and the rest are left out`;
      r.findings.push(finding('too-many-aliases', text, at));
      break;
    }
    kept.push(alias);
  }
  return kept;
}

function aliasProblem(alias: string, policy: NamePolicy | undefined, facts: ContainerFacts): string | undefined {
  const safe = dnsSafeName(alias);
  if (safe !== alias) {
    return safe === '' ? 'has nothing Consul DNS can serve' : `is not DNS-safe (letters, digits and dashes, up to 63; "${safe}" would be)`;
  }
  const refused = policy && nameRefusal(policy, alias, facts);
  return refused ? `is refused: ${refused}` : undefined;
}

/**
 * The alias as a service: the primary's address, port, tags, Meta (so it is owned, reconciled and
 * removed like any of ours), weights and tagged addresses, under an ID derived from the primary's.
 * Its one check is a Consul alias check on the primary, so it is healthy exactly when the primary
 * is, without a second probe or a TTL check no job would refresh. No Connect: a sidecar or native
 * mTLS speaks for the primary's name alone, so an alias gets neither.
 */
export function aliasService(primary: Registration, alias: string): Registration {
  const id = `${primary.ID}${ALIAS_INFIX}${alias.toLowerCase()}`;
  return {
    ID: id,
    Name: alias,
    Tags: [...primary.Tags], // copies: a later step that changes one service's fields must not change the other's
    Address: primary.Address,
    Port: primary.Port,
    Meta: { ...primary.Meta },
    Checks: [{ CheckID: `service:${id}:primary`, Name: `follows ${primary.ID}`, AliasService: primary.ID }],
    ...(primary.TaggedAddresses ? { TaggedAddresses: { ...primary.TaggedAddresses } } : {}),
    ...(primary.Weights ? { Weights: { ...primary.Weights } } : {}),
    ...(primary.EnableTagOverride ? { EnableTagOverride: true as const } : {}),
  };
}

/**
 * The primary an alias service of the registrar's follows; undefined for any other registration. Only
 * the registrar makes IDs ending in `:alias:<name>` (model/reserved-ids), with this one check.
 */
export function aliasPrimary(reg: Registration): string | undefined {
  const at = reg.ID.toLowerCase().lastIndexOf(ALIAS_INFIX);
  if (at <= 0) return undefined;
  const primary = reg.ID.slice(0, at);
  const follows = reg.Checks.some((c) => c.AliasService === primary && c.CheckID === `service:${reg.ID}:primary`);
  return follows ? primary : undefined;
}

/**
 * Each primary followed by its aliases, within --max-services: the ports' own services count first
 * (aliases never cost a port its service), then aliases in port order while room is left.
 */
export function withAliases(
  registrations: Registration[],
  aliasesOf: ReadonlyMap<Registration, Registration[]>,
  maxServices: number,
  findings: Finding[],
): Registration[] {
  let room = maxServices - registrations.filter((r) => r.Kind === undefined).length;
  return registrations.flatMap((r) => {
    const aliases = aliasesOf.get(r) ?? [];
    const fit = aliases.slice(0, Math.max(room, 0));
    room -= fit.length;
    if (fit.length < aliases.length) {
      const over = aliases.length - fit.length;
      const text = `port ${r.Port}: ${over} of its aliases would take the container past ${maxServices} services (--max-services); they are left out`;
      findings.push(
        finding('too-many-aliases', text, {
          port: r.Port,
          label: 'SERVICE_ALIASES',
          fix: 'ask for fewer aliases or ports, or (the operator) raise --max-services',
        }),
      );
    }
    return [r, ...fit];
  });
}
