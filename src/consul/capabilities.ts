import type { CheckDefinition, Registration } from '../model/registration.js';

/**
 * What the local agent accepts. Consul answers 400 to a registration with any JSON field it does
 * not know, so fields newer than the agent are left out rather than sent. Versions are from
 * Consul's CHANGELOG; a field not listed here is accepted by every version we support (≥ 1.6.1,
 * the first with ?replace-existing-checks).
 */
const CHECK_FIELD_SINCE: Partial<Record<keyof CheckDefinition, Version>> = {
  SuccessBeforePassing: [1, 7, 0],
  FailuresBeforeCritical: [1, 7, 0],
  TLSServerName: [1, 10, 0],
};
export const OLDEST_SUPPORTED: Version = [1, 6, 1];
/** Before 1.8 an alias check of a service the agent does not have passes ("No checks found."). */
export const ALIAS_OF_MISSING_IS_CRITICAL_SINCE: Version = [1, 8, 0];

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

export function capabilitiesOf(version: Version): Capabilities {
  const unsupported = Object.entries(CHECK_FIELD_SINCE)
    .filter(([, since]) => !atLeast(version, since))
    .map(([field]) => field as keyof CheckDefinition);
  return { version, unsupportedCheckFields: unsupported };
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
