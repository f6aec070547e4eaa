import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error.js';

/**
 * Reads a file a setting names (a CA, a client key, a token file). A missing or unreadable file
 * is a configuration mistake: it stops the start with a line naming the setting, not a stack trace.
 */
export function readSettingFile(path: string, setting: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`cannot read ${path}, named by ${setting}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
