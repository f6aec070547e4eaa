// Script checks hold a place until they end or time out: with one queue for all, a container whose
// checks all hang could hold every place while other containers' checks waited and their TTLs ran out.

interface Waiter {
  grant: () => void;
}

interface Owner {
  holding: number;
  waiting: Waiter[];
}

/**
 * At most `limit` holders at once, shared between owners (containers): waiting owners are served in
 * turn, one place each, and while others wait an owner already holding its share (limit ÷ owners
 * holding or waiting) is passed over. No owner holds more than half the places (of two or more),
 * and no place stays free while an owner below that waits.
 */
export class FairSlots {
  private held = 0;
  /** Owners holding or waiting; an owner with neither is forgotten. */
  private readonly owners = new Map<string, Owner>();
  /** Owners waiting, in the order their turn comes. */
  private readonly turn: string[] = [];

  /**
   * No owner ever holds more than this, even while places are free: places are never taken back,
   * so a container whose checks run for an hour would otherwise keep every place it found free.
   */
  private readonly ownerMax: number;

  constructor(private readonly limit: number) {
    this.ownerMax = limit > 1 ? Math.ceil(limit / 2) : 1;
  }

  /** Owners holding or waiting for a place. */
  get ownerCount(): number {
    return this.owners.size;
  }

  /** Resolves once `owner` holds a place; rejects with the signal's reason if it is aborted first. */
  acquire(owner: string, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    const state = this.ownerState(owner);
    // Nobody below the cap waits while a place is free (dispatch fills freed places), so this jumps no queue.
    if (this.held < this.limit && state.holding < this.ownerMax) {
      this.take(state);
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
      if (state.waiting.push(waiter) === 1) this.turn.push(owner);
    });
  }

  release(owner: string): void {
    const state = this.owners.get(owner);
    if (!state || state.holding === 0) throw new Error(`${owner} holds no place to release`);
    state.holding--;
    this.held--;
    this.forgetIfIdle(owner, state);
    this.dispatch();
  }

  private dispatch(): void {
    while (this.held < this.limit && this.turn.length > 0) {
      const share = Math.min(this.ownerMax, Math.max(1, Math.floor(this.limit / this.owners.size)));
      const holding = (owner: string) => this.owners.get(owner)!.holding;
      // The first in turn below its share; when every waiting owner has its share, the first in turn
      // below the cap all the same; when all are at the cap, the place stays free.
      const belowShare = this.turn.findIndex((owner) => holding(owner) < share);
      const index = belowShare >= 0 ? belowShare : this.turn.findIndex((owner) => holding(owner) < this.ownerMax);
      if (index < 0) break;
      const owner = this.turn.splice(index, 1)[0]!;
      const state = this.owners.get(owner)!;
      const waiter = state.waiting.shift()!;
      if (state.waiting.length > 0) this.turn.push(owner);
      this.take(state);
      waiter.grant();
    }
  }

  private withdraw(owner: string, waiter: Waiter): void {
    const state = this.owners.get(owner)!;
    state.waiting.splice(state.waiting.indexOf(waiter), 1);
    if (state.waiting.length === 0) this.turn.splice(this.turn.indexOf(owner), 1);
    this.forgetIfIdle(owner, state);
  }

  private ownerState(owner: string): Owner {
    let state = this.owners.get(owner);
    if (!state) this.owners.set(owner, (state = { holding: 0, waiting: [] }));
    return state;
  }

  private take(state: Owner): void {
    state.holding++;
    this.held++;
  }

  private forgetIfIdle(owner: string, state: Owner): void {
    if (state.holding === 0 && state.waiting.length === 0) this.owners.delete(owner);
  }
}
