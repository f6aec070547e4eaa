// When a Connect proxy is replaced, and how long its next start waits: the rules the sidecar keeper
// (sidecar-proxies.ts) applies, over what Docker has and an injected clock, with nothing of Docker's.
import { createHash } from 'node:crypto';
import type { ProxyFact } from '../model/facts.js';
import type { ProxySpec } from '../model/registration.js';
import { TIMINGS } from '../timings.js';

/** Everything that, changed, needs a new proxy container: what it runs, and which run of its app it joined. */
export function proxyFingerprint(spec: ProxySpec): string {
  const text = JSON.stringify([
    spec.image,
    spec.cmd,
    Object.entries(spec.env).sort(),
    spec.appStartedAt,
    spec.ownToken === true,
    spec.limits,
    spec.cgroupParent ?? '',
  ]);
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * Whether a proxy Docker has may stay: a sidecar still asks for it, it runs, Docker has not said it
 * ended (its list can lag the event), and it was started with today's fingerprint. Any other is removed.
 */
export function proxyMayStay(proxy: ProxyFact, wanted: string | undefined, saidEnded: boolean): boolean {
  return wanted !== undefined && proxy.running && !saidEnded && proxy.fingerprint === wanted;
}

/** Why a proxy is removed: the log's stable `reason`, and what the line says for each. */
export const REMOVAL_WORDS = {
  unwanted: 'no sidecar asks for it',
  changed: 'its app restarted or its settings changed',
  ended: 'it ended',
} as const;

export function removalReason(proxy: ProxyFact, wanted: string | undefined): keyof typeof REMOVAL_WORDS {
  if (wanted === undefined) return 'unwanted';
  return proxy.fingerprint !== wanted ? 'changed' : 'ended';
}

/** Quick failures of one sidecar's proxy in a row, and when its latest container was started. */
interface Restarts {
  appId: string;
  startedAt: number;
  failures: number;
  /** It ended quickly and its next start waits: the time since startedAt is no longer how long it ran. */
  waiting?: boolean;
}

/**
 * The pause before a sidecar's proxy is started again: none unless the last one ran for less than
 * TIMINGS.proxyStableMs, then proxyRestartFirstMs doubling per quick failure up to proxyRestartMaxMs.
 */
export class RestartBackoff {
  private readonly restarts = new Map<string, Restarts>();

  constructor(private readonly now: () => number) {}

  /** How long to wait before this start; 0 means start now (and the start is counted). */
  pauseBefore({ sidecarId, appId }: Pick<ProxySpec, 'sidecarId' | 'appId'>): number {
    const now = this.now();
    const last = this.restarts.get(sidecarId);
    if (last === undefined || (!last.waiting && now - last.startedAt >= TIMINGS.proxyStableMs)) {
      this.restarts.set(sidecarId, { appId, startedAt: now, failures: 0 });
      return 0;
    }
    const pause = Math.min(TIMINGS.proxyRestartMaxMs, TIMINGS.proxyRestartFirstMs * 2 ** last.failures);
    const due = last.startedAt + pause;
    if (now < due) {
      last.waiting = true;
      return due - now;
    }
    this.restarts.set(sidecarId, { appId, startedAt: now, failures: last.failures + 1 });
    return 0;
  }

  /** The app's sidecars no longer asked for start afresh if they come back. */
  keepOnly(appId: string, sidecarIds: readonly string[]): void {
    for (const [sidecarId, restarts] of this.restarts) {
      if (restarts.appId === appId && !sidecarIds.includes(sidecarId)) this.restarts.delete(sidecarId);
    }
  }
}
