// Registrator-compatible SERVICE_* settings, read from a container's environment and labels.
// Labels win over env; `SERVICE_<port>_<KEY>` wins over `SERVICE_<KEY>` for that port's service.
// Keys are compared case-insensitively, as Registrator lower-cases them.

import { shown } from './show.js';

export type SettingMap = ReadonlyMap<string, string>;

export interface ServiceSettings {
  common: SettingMap;
  perPort: ReadonlyMap<number, SettingMap>;
}

const PREFIX = 'SERVICE_';
const PER_PORT = /^(\d{1,5})_(.+)$/;
/** Longer SERVICE_* values are ignored: nothing the registrar reads needs more, and work stays bounded. */
export const MAX_SETTING_LENGTH = 4096;

/** The SERVICE_* settings of a container; values over MAX_SETTING_LENGTH are left out with a warning. */
export function readSettings(env: Record<string, string>, labels: Record<string, string>, warnings: string[] = []): ServiceSettings {
  const common = new Map<string, string>();
  const perPort = new Map<number, Map<string, string>>();
  for (const source of [env, labels]) {
    for (const [rawKey, value] of Object.entries(source)) {
      if (rawKey.slice(0, PREFIX.length).toUpperCase() !== PREFIX) continue;
      if (value.length > MAX_SETTING_LENGTH || rawKey.length > 256) {
        warnings.push(`${shown(rawKey, 60)} is longer than ${MAX_SETTING_LENGTH} characters; it is ignored`);
        continue;
      }
      const key = rawKey.slice(PREFIX.length).toLowerCase();
      const portMatch = PER_PORT.exec(key);
      if (portMatch) {
        const port = Number(portMatch[1]);
        const forPort = perPort.get(port) ?? new Map<string, string>();
        forPort.set(portMatch[2]!, value);
        perPort.set(port, forPort);
      } else if (key !== '') {
        common.set(key, value);
      }
    }
  }
  return { common, perPort };
}

/** The settings that apply to one port's service: the port's own keys over the common ones. */
export function settingsForPort(settings: ServiceSettings, port: number): SettingMap {
  const own = settings.perPort.get(port);
  if (!own) return settings.common;
  return new Map([...settings.common, ...own]);
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
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}
