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
 * Runs tasks one at a time per key. Requests for a key
 * that already has one waiting are merged into it (the newest task wins): a burst of events for
 * one container costs one more pass, not one per event, and that pass sees the state after all of
 * them. Tasks must not throw.
 */
export class KeyedQueue {
  private readonly slots = new Map<string, Slot>();

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
      // Let the current turn end first, so that requests made in it merge into this run.
      await Promise.resolve();
      const next = slot.pending;
      slot.pending = undefined;
      try {
        await next.task();
      } finally {
        next.settle();
      }
    }
    slot.running = false;
    this.slots.delete(key);
  }
}
