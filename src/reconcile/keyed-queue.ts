interface Pending {
  task: () => Promise<void>;
  done: Promise<void>;
  settle: () => void;
}

interface Slot {
  running: boolean;
  pending?: Pending;
}

/**
 * Runs tasks one at a time per key, with at most `concurrency` keys at once. Requests for a key
 * that already has one waiting are merged into it (the newest task wins): a burst of events for
 * one container costs one more pass, not one per event, and that pass sees the state after all of
 * them. Tasks must not throw.
 */
export class KeyedQueue {
  private readonly slots = new Map<string, Slot>();
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly concurrency: number) {}

  run(key: string, task: () => Promise<void>): Promise<void> {
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { running: false };
      this.slots.set(key, slot);
    }
    if (slot.pending) {
      slot.pending.task = task;
      return slot.pending.done;
    }
    let settle!: () => void;
    const done = new Promise<void>((resolve) => (settle = resolve));
    slot.pending = { task, done, settle };
    if (!slot.running) void this.drain(key, slot);
    return done;
  }

  /** How many keys have work running or waiting. */
  get size(): number {
    return this.slots.size;
  }

  private async drain(key: string, slot: Slot): Promise<void> {
    slot.running = true;
    while (slot.pending) {
      await this.acquire();
      const next = slot.pending;
      slot.pending = undefined;
      try {
        await next.task();
      } finally {
        this.release();
        next.settle();
      }
    }
    slot.running = false;
    this.slots.delete(key);
  }

  private acquire(): Promise<void> {
    if (this.active < this.concurrency) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}
