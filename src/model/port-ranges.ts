// The fayrus/registrator fork's port-range keys: SERVICE_8000-8099_IGNORE=true ignores every exposed
// port from 8000 to 8099 as its own SERVICE_<port>_IGNORE would. IGNORE is the only key a range takes.
import type { Finding } from './findings.js';
import { finding } from './finding-codes.js';
import type { ServiceSettings, SettingMap } from './settings.js';
import { printable } from './show.js';

export interface IgnoredRange {
  from: number;
  to: number;
  /** The key as the author would write it, for findings: SERVICE_8000-8099_IGNORE. */
  label: string;
  /** Holds only "ignore", so that the per-port rule reads it the same way. */
  settings: SettingMap;
}

const MAX_PORT = 65535;

/** The container's valid IGNORE ranges; a key naming no range of ports, or a key other than IGNORE, gets a finding. */
export function ignoredRanges(settings: ServiceSettings, findings: Finding[]): IgnoredRange[] {
  const ranges: IgnoredRange[] = [];
  for (const [span, keys] of settings.ranges) {
    const [from, to] = span.split('-').map(Number) as [number, number];
    const valid = from >= 1 && to <= MAX_PORT && from <= to;
    for (const [key, value] of keys) {
      const label = printable(`SERVICE_${span}_${key.toUpperCase()}`);
      if (valid && key === 'ignore') {
        ranges.push({ from, to, label, settings: new Map([['ignore', value]]) });
        continue;
      }
      const why = valid ? 'a port range takes only IGNORE' : `${span} is not a range of ports from 1 to ${MAX_PORT}, low to high`;
      findings.push(finding('port-range-refused', `${label}: ${why}; it is ignored`, { label }));
    }
  }
  return ranges;
}

/** The narrowest range holding the port (the more specific key wins), if any. */
export function rangeFor(ranges: readonly IgnoredRange[], port: number): IgnoredRange | undefined {
  let best: IgnoredRange | undefined;
  for (const range of ranges) {
    if (port < range.from || port > range.to) continue;
    if (!best || range.to - range.from < best.to - best.from) best = range;
  }
  return best;
}
