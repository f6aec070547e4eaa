// How the fayrus/registrator fork (v9.x) reads one port's SERVICE_* keys, read from its
// internal/bridge/util.go serviceMetaData, so that `plan` can say where its result would differ.
// - It walks the image's env in order, then the labels in Go's map order, which is random.
// - Only keys starting "SERVICE_" as written count; the rest is lower-cased with Unicode rules.
// - "<port>_<key>" counts for that port only, compared as text ("080" is no port); a first part with a
//   dash, "<N>-<M>_<key>", counts for every port in the range, any key (its docs name only IGNORE).
// - Either may go on "tcp_" or "udp_" (no other protocol): "<port>_<proto>_<key>", for that protocol.
// - A port's key beats a plain one whatever the order; between two of a port's keys for the same
//   setting (its own, its protocol's, a range's), the one read last wins: for labels, chance.
import type { SettingMap } from './settings.js';

export interface ForkSettings {
  s: SettingMap;
  /** The settings a port's key gave (the -<port> suffix is left off a name given so). */
  fromPort: ReadonlySet<string>;
  /** Settings whose value the fork would take from one of several labels at random: the labels' keys. */
  chance: ReadonlyMap<string, string[]>;
}

const PREFIX = 'SERVICE_';
const PROTOCOLS = new Set(['tcp', 'udp']);
/** Go's strconv.Atoi: an optional sign and digits that fit 64 bits. */
const GO_INT = /^[+-]?\d{1,18}$/;

/** The settings the fork would apply to one port's service. */
export function forkSettings(env: Record<string, string>, labels: Record<string, string>, port: number, protocol: string): ForkSettings {
  const s = new Map<string, string>();
  const fromPort = new Set<string>();
  // Per setting, the label keys that set it and at what level: only labels can disagree by chance.
  const written = new Map<string, { key: string; value: string; own: boolean }[]>();
  const entries: [string, string, boolean][] = [
    ...Object.entries(env).map(([k, v]): [string, string, boolean] => [k, v, false]),
    ...Object.entries(labels).map(([k, v]): [string, string, boolean] => [k, v, true]),
  ];
  for (const [rawKey, value, isLabel] of entries) {
    if (!rawKey.startsWith(PREFIX)) continue;
    const key = rawKey.slice(PREFIX.length).toLowerCase();
    if (fromPort.has(key)) continue; // a port's key set it already
    const target = targetOf(key, port, protocol);
    if (target === undefined) continue;
    const { setting, own } = target;
    s.set(setting, value);
    if (own) fromPort.add(setting);
    if (isLabel) written.set(setting, [...(written.get(setting) ?? []), { key: rawKey, value, own }]);
  }
  const chance = new Map<string, string[]>();
  for (const [setting, writes] of written) {
    const level = writes.filter((w) => w.own === fromPort.has(setting));
    if (new Set(level.map((w) => w.value)).size > 1)
      chance.set(
        setting,
        level.map((w) => w.key),
      );
  }
  return { s, fromPort, chance };
}

/** The setting a lower-cased key gives this port (own: by a port's key), or undefined when it is for another port or protocol. */
function targetOf(key: string, port: number, protocol: string): { setting: string; own: boolean } | undefined {
  const cut = key.indexOf('_');
  const [first, rest] = cut < 0 ? [key, undefined] : [key.slice(0, cut), key.slice(cut + 1)];
  const exact = GO_INT.test(first);
  const ranged = !exact && first.includes('-') && inRange(first, port);
  // A plain key, or a range this port is not in: kept as a setting of that name.
  if (!exact && !ranged) return { setting: key, own: false };
  if (rest === undefined) return undefined;
  if (exact && first !== String(port)) return undefined;
  const protoCut = rest.indexOf('_');
  const proto = protoCut < 0 ? '' : rest.slice(0, protoCut);
  if (!PROTOCOLS.has(proto)) return { setting: rest, own: true };
  return proto === protocol ? { setting: rest.slice(protoCut + 1), own: true } : undefined;
}

function inRange(span: string, port: number): boolean {
  const dash = span.indexOf('-');
  const [lo, hi] = [span.slice(0, dash), span.slice(dash + 1)];
  if (!GO_INT.test(lo) || !GO_INT.test(hi)) return false;
  return port >= Number(lo) && port <= Number(hi);
}
