import { readFileSync } from 'node:fs';

/** The version in package.json, which sits one folder above both src/ and dist/ (and in the image). */
export const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
