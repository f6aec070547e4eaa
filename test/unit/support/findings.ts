import type { Finding } from '../../../src/model/findings.js';

/** The codes of these findings, in order: what tests assert instead of wording. */
export function codes(findings: readonly Finding[]): string[] {
  return findings.map((f) => f.code);
}
