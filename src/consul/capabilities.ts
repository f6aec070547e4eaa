import type { CheckDefinition, Registration } from '../model/registration.js';

/**
 * What the local agent accepts. Consul answers 400 to a registration with any JSON field it does
 * not know, so fields newer than the agent are left out rather than sent. Versions are from
 * Consul's CHANGELOG; a field not listed here is accepted by every version we support (≥ 1.6.1,
 * the first with ?replace-existing-checks): so are the service fields TaggedAddresses (1.5), Weights (1.2.3)
 * and EnableTagOverride (0.6).
 */
const CHECK_FIELD_SINCE: Partial<Record<keyof CheckDefinition, Version[]>> = {
  SuccessBeforePassing: [[1, 7, 0]],
  FailuresBeforeCritical: [[1, 7, 0]],
  TLSServerName: [[1, 10, 0]],
  // The fix for CVE-2022-29153 (redirects as SSRF), backported: the first release of each branch with it.
  DisableRedirects: [
    [1, 9, 17],
    [1, 10, 10],
    [1, 11, 5],
    [1, 12, 0],
  ],
};
export const OLDEST_SUPPORTED: Version = [1, 6, 1];
/** Before 1.8 an alias check of a service the agent does not have passes ("No checks found."). */
export const ALIAS_OF_MISSING_IS_CRITICAL_SINCE: Version = [1, 8, 0];

/** --ttl rests on alias checks of the registrar's own service, which must fail closed when it is gone. */
export function ttlWorksOn(version: Version): boolean {
  return atLeast(version, ALIAS_OF_MISSING_IS_CRITICAL_SINCE);
}

/** What the operator should hear about this agent's version, if anything. */
export function versionWarning(version: Version): string | undefined {
  if (atLeast(version, OLDEST_SUPPORTED)) return undefined;
  return `Consul ${version.join('.')} is older than ${OLDEST_SUPPORTED.join('.')}: checks that a label removes may stay registered`;
}

export type Version = [number, number, number];

export interface Capabilities {
  version: Version;
  /** Check fields this agent rejects; dropped from every registration. */
  unsupportedCheckFields: (keyof CheckDefinition)[];
}

export function parseVersion(text: string): Version | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export function atLeast(v: Version, min: Version): boolean {
  for (let i = 0; i < 3; i++) if (v[i] !== min[i]) return v[i]! > min[i]!;
  return true;
}

/**
 * Whether a version has a feature that arrived in `since`: the first release of each branch with
 * it, oldest first; the last one holds for every later branch too.
 */
export function hasSince(v: Version, since: Version[]): boolean {
  const sameBranch = since.find((s) => s[0] === v[0] && s[1] === v[1]);
  if (sameBranch) return v[2] >= sameBranch[2];
  return atLeast(v, since.at(-1)!);
}

export function capabilitiesOf(version: Version): Capabilities {
  const unsupported = Object.entries(CHECK_FIELD_SINCE)
    .filter(([, since]) => !hasSince(version, since))
    .map(([field]) => field as keyof CheckDefinition);
  return { version, unsupportedCheckFields: unsupported };
}

/** What leaving out a check field this agent refuses means, for the operator. */
export function droppedFieldNote(field: string, version: Version): string {
  const what =
    field === 'DisableRedirects'
      ? 'HTTP checks therefore follow redirects (fixed in 1.9.17, 1.10.10, 1.11.5 and 1.12: CVE-2022-29153)'
      : 'it is left out of every registration';
  return `Consul ${version.join('.')} does not accept check field ${field}; ${what} (upgrade Consul to use it)`;
}

/** The registration as this agent accepts it, and the names of the fields that were left out. */
export function fitToAgent(reg: Registration, caps: Capabilities): { body: Registration; dropped: string[] } {
  const dropped = new Set<string>();
  const Checks = reg.Checks.map((check) => {
    const copy = { ...check };
    for (const field of caps.unsupportedCheckFields) {
      if (field in copy) {
        delete copy[field];
        dropped.add(field);
      }
    }
    return copy;
  });
  return { body: { ...reg, Checks }, dropped: [...dropped] };
}
