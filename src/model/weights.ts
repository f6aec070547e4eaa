// SERVICE_WEIGHT_PASSING / SERVICE_WEIGHT_WARNING: the service's Weights, which Consul DNS gives as
// the SRV weight of a passing or warning instance. Consul's own default is 1 for both.
import type { SettingMap } from './settings.js';
import type { Finding } from './findings.js';
import { finding } from './finding-codes.js';
import { shown } from './show.js';

export interface Weights {
  Passing: number;
  Warning: number;
}

const DEFAULT = 1;
const MAX = 65535; // an SRV record's weight is 16 bits
// A passing weight of 0 would hide a healthy instance from DNS; a warning one of 0 is how to hide a degraded one.
const BOUNDS = { passing: [1, MAX], warning: [0, MAX] } as const;

/** The Weights the labels ask for, or undefined when they ask for none (Consul's defaults then apply). */
export function serviceWeights(settings: SettingMap, port: number, findings: Finding[]): Weights | undefined {
  const passing = settings.get('weight_passing');
  const warning = settings.get('weight_warning');
  if (passing === undefined && warning === undefined) return undefined;
  return { Passing: weight('passing', passing, port, findings), Warning: weight('warning', warning, port, findings) };
}

function weight(kind: 'passing' | 'warning', value: string | undefined, port: number, findings: Finding[]): number {
  if (value === undefined) return DEFAULT;
  const [min, max] = BOUNDS[kind];
  const n = /^\d{1,5}$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (n >= min && n <= max) return n;
  const label = `SERVICE_WEIGHT_${kind.toUpperCase()}`;
  findings.push(
    finding('weight-refused', `${label} ${shown(value)} is not a whole number from ${min} to ${max}; ${DEFAULT} is used`, { port, label }),
  );
  return DEFAULT;
}
