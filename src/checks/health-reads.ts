import { TIMINGS } from '../timings.js';

interface Read<T> {
  at: number;
  result: Promise<T>;
  /** This read was made early, for a health change: the next change waits for the window's end. */
  forChange: boolean;
}

/**
 * One engine read of a container's health serves all its mirrored checks (one per port) for a
 * window: sixteen ports with a 1 s HEALTHCHECK make one inspect a second, not sixteen. A health
 * change (Docker's health_status event) may start one fresh read early per window, so the mirror
 * follows it at once, while a container flapping its health still costs at most two reads a window.
 */
export class HealthReads<T> {
  private readonly reads = new Map<string, Read<T>>();
  private readonly changedAt = new Map<string, number>();

  constructor(
    private readonly windowMs: number = TIMINGS.checkIntervalMinMs,
    private readonly now: () => number = Date.now,
  ) {}

  /** The container's health: a read shared with its other mirrors, or a new one from `read`. */
  get(containerId: string, read: () => Promise<T>): Promise<T> {
    const now = this.now();
    const last = this.reads.get(containerId);
    const changed = this.changedAt.get(containerId);
    const expired = !last || now - last.at >= this.windowMs;
    const early = !expired && changed !== undefined && changed >= last.at && !last.forChange;
    if (!expired && !early) return last.result;
    if (this.reads.size > 10_000) this.forgetOlderThan(now - this.windowMs); // bounded: containers come and go
    const result = read();
    this.reads.set(containerId, { at: now, result, forChange: early });
    return result;
  }

  /** The container's health has changed: its next read is a fresh one, if the window allows. */
  changed(containerId: string): void {
    this.changedAt.set(containerId, this.now());
    if (this.changedAt.size > 10_000) this.changedAt.clear();
  }

  private forgetOlderThan(at: number): void {
    for (const [id, read] of this.reads) if (read.at < at) this.reads.delete(id);
  }
}
