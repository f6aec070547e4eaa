// dockerd saturates at 31–40 execs a second here (docs/security.md), for every container of the
// host: labels alone (64 script checks at 1s) could otherwise ask it for more than it can do.
import { realClock, type Clock } from './clock.js';

interface Waiter {
  grant: () => void;
}

/**
 * At most `perSecond` grants a second for the whole host, evenly spaced, shared between owners
 * (containers): owners waiting are served in turn, one grant each, so a container asking for a
 * hundred execs a second gets its turn like one asking for one, and the others do not wait
 * behind its queue.
 */
export class ExecBudget {
  private readonly gapMs: number;
  /** When the next grant may be given. */
  private nextAt = -Infinity;
  private readonly waiting = new Map<string, Waiter[]>();
  /** Owners waiting, in the order their turn comes. */
  private readonly turn: string[] = [];
  private timer: { cancel(): void } | undefined;

  constructor(
    perSecond: number,
    private readonly clock: Clock = realClock,
  ) {
    this.gapMs = 1000 / perSecond;
  }

  /** Owners with a request waiting. */
  get waitingOwners(): number {
    return this.turn.length;
  }

  /** Resolves when `owner` may start one exec; rejects with the signal's reason if it is aborted first. */
  take(owner: string, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    if (this.turn.length === 0 && this.clock.now() >= this.nextAt) {
      this.nextAt = this.clock.now() + this.gapMs;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { grant: resolve };
      if (signal) {
        const onAbort = () => {
          this.withdraw(owner, waiter);
          reject(signal.reason as Error);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        waiter.grant = () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
      }
      const queue = this.waiting.get(owner);
      if (queue) queue.push(waiter);
      else {
        this.waiting.set(owner, [waiter]);
        this.turn.push(owner);
      }
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.timer || this.turn.length === 0) return;
    this.timer = this.clock.after(Math.max(0, this.nextAt - this.clock.now()), () => {
      this.timer = undefined;
      this.grantNext();
      this.schedule();
    });
  }

  private grantNext(): void {
    const owner = this.turn.shift();
    if (owner === undefined) return;
    const queue = this.waiting.get(owner)!;
    const waiter = queue.shift()!;
    if (queue.length > 0) this.turn.push(owner);
    else this.waiting.delete(owner);
    this.nextAt = this.clock.now() + this.gapMs;
    waiter.grant();
  }

  private withdraw(owner: string, waiter: Waiter): void {
    const queue = this.waiting.get(owner);
    if (!queue) return;
    queue.splice(queue.indexOf(waiter), 1);
    if (queue.length > 0) return;
    this.waiting.delete(owner);
    this.turn.splice(this.turn.indexOf(owner), 1);
    if (this.turn.length === 0) {
      this.timer?.cancel();
      this.timer = undefined;
    }
  }
}
