// Registrator-compatible SERVICE_* settings, read from a container's environment and labels.
// Labels win over env; `SERVICE_<port>_<KEY>` wins over `SERVICE_<KEY>` for that port's service.
// Keys are compared case-insensitively, as Registrator lower-cases them, in ASCII only: Unicode case
// rules would read "ſERVICE_NAME" (long s) or "SERVICE_CHEC\u212A_SCRIPT" (Kelvin sign) as SERVICE_* keys.

import type { Finding } from './findings.js';
import { finding } from './finding-codes.js';
import { printable, shown } from './show.js';

export type SettingMap = ReadonlyMap<string, string>;

export interface ServiceSettings {
  common: SettingMap;
  perPort: ReadonlyMap<number, SettingMap>;
  /** The fork's SERVICE_<N>-<M>_<KEY> keys by their "N-M" text, unchecked (model/port-ranges reads them). */
  ranges: ReadonlyMap<string, SettingMap>;
}

const PREFIX = 'SERVICE_';
const LOWER_PREFIX = PREFIX.toLowerCase();
const PER_PORT = /^(\d{1,5})_(.+)$/;
const PER_RANGE = /^(\d+-\d+)_(.+)$/;
/** Longer SERVICE_* values are ignored: nothing the registrar reads needs more, and work stays bounded. */
export const MAX_SETTING_LENGTH = 4096;
const MAX_KEY_LENGTH = 256;
/** SERVICE_* keys read per container: room for 64 ports' worth of settings; the rest are ignored. */
export const MAX_SETTINGS = 1024;

/** The SERVICE_* settings of a container; values over MAX_SETTING_LENGTH are left out with a finding. */
export function readSettings(env: Record<string, string>, labels: Record<string, string>, findings: Finding[] = []): ServiceSettings {
  const common = new Map<string, string>();
  const perPort = new Map<number, Map<string, string>>();
  const ranges = new Map<string, Map<string, string>>();
  let read = 0;
  // Labels first: when there are too many, the ones the operator's tooling wrote are kept.
  for (const source of [labels, env]) {
    for (const [rawKey, value] of Object.entries(source)) {
      if (asciiLower(rawKey.slice(0, PREFIX.length)) !== LOWER_PREFIX) continue;
      if (value.length > MAX_SETTING_LENGTH || rawKey.length > MAX_KEY_LENGTH) {
        const what =
          rawKey.length > MAX_KEY_LENGTH ? `its name is longer than ${MAX_KEY_LENGTH}` : `its value is longer than ${MAX_SETTING_LENGTH}`;
        findings.push(
          finding('setting-too-long', `${shown(rawKey, 60)}: ${what} characters; it is ignored`, { label: printable(rawKey.slice(0, 60)) }),
        );
        continue;
      }
      if (++read > MAX_SETTINGS) {
        findings.push(finding('too-many-settings', `more than ${MAX_SETTINGS} SERVICE_* labels and variables; the rest are ignored`));
        break;
      }
      const key = asciiLower(rawKey.slice(PREFIX.length));
      const portMatch = PER_PORT.exec(key);
      const rangeMatch = portMatch ? null : PER_RANGE.exec(key);
      const [target, name] = portMatch
        ? [forPort(perPort, Number(portMatch[1])), portMatch[2]!]
        : rangeMatch
          ? [forPort(ranges, rangeMatch[1]!), rangeMatch[2]!]
          : [common, key];
      if (name !== '' && (source === labels || !target.has(name))) target.set(name, value); // labels win over env
    }
  }
  return { common, perPort, ranges };
}

/** A-Z to a-z and nothing else (String's toLowerCase follows Unicode: K, the Kelvin sign, becomes k). */
export function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

function forPort<K>(perPort: Map<K, Map<string, string>>, port: K): Map<string, string> {
  let settings = perPort.get(port);
  if (!settings) perPort.set(port, (settings = new Map<string, string>()));
  return settings;
}

// The fayrus/registrator fork's per-protocol keys: SERVICE_80_tcp_NAME, kept in the port's map as "tcp_name".
const PER_PROTOCOL = /^(tcp|udp|sctp)_(.+)$/;

/**
 * The settings that apply to one port's service: the port and protocol's own keys (the fork's
 * SERVICE_<port>_<proto>_<KEY>) over the port's own keys over the common ones.
 */
export function settingsForPort(settings: ServiceSettings, port: number, protocol?: string): SettingMap {
  const own = settings.perPort.get(port);
  if (!own) return settings.common;
  const plain = [...own].filter(([key]) => !PER_PROTOCOL.test(key));
  const proto = [...own].flatMap(([key, value]): [string, string][] => {
    const m = PER_PROTOCOL.exec(key);
    return m && m[1] === protocol ? [[m[2]!, value]] : [];
  });
  return new Map([...settings.common, ...plain, ...proto]);
}

/** A port's own value of a key: its protocol's over the port's (for the rules that look only at a port's own keys). */
export function ownSetting(settings: ServiceSettings, port: number, protocol: string, key: string): string | undefined {
  const own = settings.perPort.get(port);
  return own?.get(`${protocol}_${key}`) ?? own?.get(key);
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off', '']);

/** Parses a boolean setting; undefined when the value is neither true-ish nor false-ish. */
export function parseBool(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  return undefined;
}

export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
