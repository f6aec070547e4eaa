import { createHash } from 'node:crypto';
import type { Registration } from '../model/registration.js';
import { OWNER_META } from '../model/registration.js';

/**
 * Stamps a registration with a hash of its whole content. The agent's service list does not show
 * checks, so comparing hashes is how a changed label (a new check, a new interval) is noticed.
 */
export function withHash(reg: Registration): Registration {
  const digest = createHash('sha256').update(stableJson(reg)).digest('hex').slice(0, 16);
  return { ...reg, Meta: { ...reg.Meta, [OWNER_META.hash]: digest } };
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
