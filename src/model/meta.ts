import { OWNER_META } from './registration.js';
import type { SettingMap } from './settings.js';
import type { Finding } from './findings.js';
import { finding } from './finding-codes.js';
import { printable } from './show.js';

/** SERVICE_* keys with a meaning of their own; every other key becomes Consul service Meta. */
const KNOWN = new Set([
  'name',
  'id',
  'tags',
  'ignore',
  'ip',
  'ip_family',
  'network',
  'ports',
  'tagged_addresses',
  'wan_address',
  'aliases',
]);
const WEIGHTS = new Set(['weight_passing', 'weight_warning', 'enable_tag_override']);
// Consul's limits on service Meta (agent/structs ValidateServiceMetadata).
const KEY = /^[A-Za-z0-9_-]{1,128}$/;
const MAX_VALUE = 512;
const MAX_PAIRS = 64;
// Our ownership keys start with registrar_; Consul reserves consul-.
const RESERVED = ['registrar_', 'consul-'];

export function userMeta(settings: SettingMap, findings: Finding[]): Record<string, string> {
  const meta: Record<string, string> = {};
  let count = 0;
  for (const [key, value] of settings) {
    if (KNOWN.has(key) || WEIGHTS.has(key) || key.startsWith('check_')) continue;
    const label = printable(`SERVICE_${key.toUpperCase()}`);
    if (!KEY.test(key) || RESERVED.some((prefix) => key.startsWith(prefix))) {
      findings.push(
        finding(
          'meta-key-refused',
          `${label} cannot be Consul service Meta (keys are letters, digits, _ and -, and may not start with ${RESERVED.join(' or ')}); ` +
            'it is left out',
          { label },
        ),
      );
    } else if (value.length > MAX_VALUE) {
      findings.push(
        finding('meta-value-too-long', `${label} is longer than Consul's ${MAX_VALUE} characters for a Meta value; it is left out`, {
          label,
        }),
      );
    } else if (count >= MAX_PAIRS - Object.keys(OWNER_META).length) {
      findings.push(
        finding('too-many-meta', `more SERVICE_* Meta keys than Consul's ${MAX_PAIRS} allowed; ${label} and the rest are left out`, {
          label,
        }),
      );
      break;
    } else {
      meta[key] = value;
      count++;
    }
  }
  return meta;
}
