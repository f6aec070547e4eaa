// Consul reads durations with Go's time.ParseDuration: a value it cannot parse, or one past
// 2^63-1 nanoseconds (about 2,562,047 hours), is a 400 for the whole service.
const PART = /(\d+)(?:\.(\d+))?(ns|us|µs|ms|s|m|h)/y;
const NANOS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const MAX = 2n ** 63n - 1n;

/** Nanoseconds in a Go duration such as "1m30s" or "1.5s"; undefined when Go would refuse it. */
export function parseGoDuration(value: string): bigint | undefined {
  if (value === '0') return 0n;
  let total = 0n;
  PART.lastIndex = 0;
  while (PART.lastIndex < value.length) {
    const start = PART.lastIndex;
    const m = PART.exec(value);
    if (!m || m.index !== start) return undefined;
    const unit = NANOS[m[3]!]!;
    const fraction = m[2] ?? '';
    total += BigInt(m[1]!) * unit + (BigInt(fraction || '0') * unit) / 10n ** BigInt(fraction.length);
    if (total > MAX) return undefined;
  }
  return value === '' ? undefined : total;
}

export function durationMs(value: string): number {
  return Number((parseGoDuration(value) ?? 0n) / 1_000_000n);
}
