// Measuring tools shared by the benchmarks.
import { cpuSeconds, memoryMiB } from '../test/support/proc.js';

export function envInt(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, not "${process.env[name]}"`);
  return value;
}

/** CPU seconds (user + sys) and peak RSS of a live process, from /proc. */
export function usage(pid: number): { cpuS: number; peakRssMiB: number } {
  return { cpuS: cpuSeconds(pid), peakRssMiB: Math.round(memoryMiB(pid).peak * 10) / 10 };
}

/** Runs `work` over the items, `size` at a time; stops starting new ones once one fails or the run is aborted. */
export async function pool<T, R>(items: T[], size: number, signal: AbortSignal, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      signal.throwIfAborted();
      const i = next++;
      try {
        results[i] = await work(items[i]!);
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
