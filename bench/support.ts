// Measuring tools shared by the benchmarks.
import { readFileSync } from 'node:fs';
import { cpuSeconds, memoryMiB } from '../test/support/proc.js';
import { CONSUL } from '../test/support/rig.js';

export function envInt(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, not "${process.env[name]}"`);
  return value;
}

/** CPU seconds (user + sys) and peak RSS of a live process, from /proc. */
export function usage(pid: number): { cpuS: number; peakRssMiB: number } {
  return { cpuS: cpuSeconds(pid), peakRssMiB: Math.round(memoryMiB(pid).peak * 10) / 10 };
}

/**
 * Peak private (anonymous) resident memory of processes, sampled every 20 ms. RSS also counts the
 * pages of Node's own binary a process has touched (~35 MiB, file-backed, shared by every Node
 * process and reclaimable), so the private part is what one more registrar really costs a host.
 */
export class PrivateMemory {
  private readonly peaks = new Map<number, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(pids: () => number[]) {
    this.timer = setInterval(() => {
      for (const pid of pids()) this.sample(pid);
    }, 20);
    this.timer.unref();
  }

  /** The highest private memory seen for this process (sampled once more now), in MiB. */
  peakMiB(pid: number): number {
    this.sample(pid);
    return Math.round((this.peaks.get(pid) ?? NaN) * 10) / 10;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sample(pid: number): void {
    let status: string;
    try {
      status = readFileSync(`/proc/${pid}/status`, 'utf8');
    } catch {
      return; // ended
    }
    const kb = Number(/^RssAnon:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN);
    if (kb / 1024 > (this.peaks.get(pid) ?? 0)) this.peaks.set(pid, kb / 1024);
  }
}

/** Runs `work` over the items, `size` at a time; stops starting new ones once one fails or the run is aborted. */
export async function pool<T, R>(
  items: T[],
  size: number,
  signal: AbortSignal,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      signal.throwIfAborted();
      const i = next++;
      try {
        results[i] = await work(items[i]!, i);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  // allSettled, not all: every in-flight create has landed before we return, so cleanup sees it.
  const outcomes = await Promise.allSettled(Array.from({ length: Math.min(size, items.length) }, worker));
  const rejected = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (rejected) throw rejected.reason;
  return results;
}

/**
 * What a Consul client sees: a blocking query on one service's catalog entry, from an index taken
 * before the user's action, resolved with performance.now() when the entry is there (or gone).
 * `armed` resolves once the first answer is in, so the action can only come after it.
 */
export function catalogTurns(name: string, present: boolean, signal: AbortSignal): { armed: Promise<void>; at: Promise<number> } {
  let arm!: () => void;
  const armed = new Promise<void>((resolve) => (arm = resolve));
  const at = (async () => {
    let index = '0';
    for (;;) {
      signal.throwIfAborted();
      const res = await fetch(`${CONSUL}/catalog/service/${name}?index=${index}&wait=30s`, { signal });
      const now = performance.now();
      const entries = (await res.json()) as unknown[];
      if (index !== '0' && entries.length > 0 === present) return now;
      if (index === '0') {
        if (entries.length > 0 === present) throw new Error(`${name} was already ${present ? 'in' : 'out of'} the catalog`);
        arm();
      }
      index = res.headers.get('x-consul-index') ?? index;
    }
  })();
  at.catch(() => arm());
  return { armed, at };
}

/** The user's action timed: the call returned → the catalog turned. */
export async function userClock(name: string, present: boolean, signal: AbortSignal, action: () => Promise<unknown>): Promise<number> {
  const turn = catalogTurns(name, present, signal);
  await turn.armed;
  await action();
  const returned = performance.now();
  return (await turn.at) - returned;
}
