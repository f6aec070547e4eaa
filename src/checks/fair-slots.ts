// Script checks hold a place until they end, time out or outlast their lease: with one queue for
// all, or with places held for as long as a check runs, containers whose checks run for an hour
// could hold every place while other containers' checks waited and their TTLs ran out.
import { TIMINGS } from '../timings.js';
import { realClock, type Clock } from './clock.js';

/** A place granted: release it once, when the run has ended. */
export interface Hold {
  release(): void;
}

interface Waiter {
  grant: (hold: Hold) => void;
}

interface Owner {
  /** Places held, each within its lease. */
  holding: Set<Lease>;
  /** Runs past their lease: they hold no place any more, but count against the owner's cap. */
  overdue: number;
  waiting: Waiter[];
}

interface Lease {
  start: number;
  owner: string;
  state: Owner;
  /** Released, or past its lease: the lease queue drops it. */
  ended: boolean;
}

/** Place time an owner has held, fading with a half-life: what decides whose turn is next. */
interface Usage {
  ms: number;
  at: number;
}

export interface FairSlotsOptions {
  clock?: Clock;
  /** How long a run holds its place at most (default TIMINGS.checkSlotLeaseMs). */
  leaseMs?: number;
  /** How fast held place time is forgotten (default TIMINGS.checkSlotUsageHalfLifeMs). */
  halfLifeMs?: number;
}

/**
 * At most `limit` places held at once, shared between owners (containers) by the time they hold
 * them. A run holds its place for its lease at most; a longer run goes on, but its place goes to
 * the next waiting run, so no set of long checks keeps a place from anyone for longer than a lease.
 * When a place frees, the waiting owner that has held the least place time lately gets it (then
 * the one holding fewer places, then the first in turn). No owner runs more than half the places
 * at once (of two or more), leased or overdue, and no place stays free while an owner below that waits.
 */
export class FairSlots {
  private held = 0;
  /** Owners holding, overdue or waiting; an owner with none of these is forgotten (its usage is kept). */
  private readonly owners = new Map<string, Owner>();
  private readonly usage = new Map<string, Usage>();
  /** Size the usage map may reach before it is swept again. */
  private sweepAt = 0;
  /** Owners waiting, in the order their turn comes. */
  private readonly turn: string[] = [];
  private readonly ownerMax: number;
  private readonly clock: Clock;
  private readonly leaseMs: number;
  private readonly halfLifeMs: number;
  /** Leases in the order they began, so also in the order they end: one timer serves them all. */
  private readonly leases: Lease[] = [];
  private leaseTimer: { cancel(): void } | undefined;

  constructor(
    private readonly limit: number,
    options: FairSlotsOptions = {},
  ) {
    this.ownerMax = limit > 1 ? Math.ceil(limit / 2) : 1;
    this.clock = options.clock ?? realClock;
    this.leaseMs = options.leaseMs ?? TIMINGS.checkSlotLeaseMs;
    this.halfLifeMs = options.halfLifeMs ?? TIMINGS.checkSlotUsageHalfLifeMs;
  }

  /** Owners holding, overdue or waiting for a place. */
  get ownerCount(): number {
    return this.owners.size;
  }

  /** Resolves once `owner` holds a place; rejects with the signal's reason if it is aborted first. */
  acquire(owner: string, signal?: AbortSignal): Promise<Hold> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    const state = this.ownerState(owner);
    // Nobody below the cap waits while a place is free (dispatch fills freed places), so this jumps no queue.
    if (this.held < this.limit && this.running(state) < this.ownerMax) return Promise.resolve(this.take(owner, state));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { grant: resolve };
      if (signal) {
        const onAbort = () => {
          this.withdraw(owner, waiter);
          reject(signal.reason as Error);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        waiter.grant = (hold) => {
          signal.removeEventListener('abort', onAbort);
          resolve(hold);
        };
      }
      if (state.waiting.push(waiter) === 1) this.turn.push(owner);
    });
  }

  private running(state: Owner): number {
    return state.holding.size + state.overdue;
  }

  private take(owner: string, state: Owner): Hold {
    const lease: Lease = { start: this.clock.now(), owner, state, ended: false };
    state.holding.add(lease);
    this.held++;
    this.leases.push(lease);
    this.armLeaseTimer();
    let done = false;
    return {
      release: () => {
        if (done) throw new Error(`${owner} released a place twice`);
        done = true;
        if (state.holding.delete(lease)) {
          lease.ended = true;
          this.held--;
          this.addUsage(owner, this.clock.now() - lease.start);
        } else state.overdue--;
        this.forgetIfIdle(owner, state);
        this.dispatch();
      },
    };
  }

  /** Armed for the oldest lease still running, when places are held (a timer per run would cost more). */
  private armLeaseTimer(): void {
    if (this.leaseTimer) return;
    while (this.leases.length > 0 && this.leases[0]!.ended) this.leases.shift();
    const first = this.leases[0];
    if (!first) return;
    this.leaseTimer = this.clock.after(first.start + this.leaseMs - this.clock.now(), () => {
      this.leaseTimer = undefined;
      this.endLeases();
      this.armLeaseTimer();
    });
  }

  /** Leases that have run out: their runs go on, counted against their owners, and their places go to the next. */
  private endLeases(): void {
    const now = this.clock.now();
    let freed = false;
    while (this.leases.length > 0 && (this.leases[0]!.ended || this.leases[0]!.start + this.leaseMs <= now)) {
      const lease = this.leases.shift()!;
      if (lease.ended) continue;
      lease.ended = true;
      lease.state.holding.delete(lease);
      lease.state.overdue++;
      this.held--;
      this.addUsage(lease.owner, now - lease.start);
      freed = true;
    }
    if (freed) this.dispatch();
  }

  private dispatch(): void {
    while (this.held < this.limit && this.turn.length > 0) {
      const now = this.clock.now();
      let best = -1;
      let bestKey: [number, number] | undefined;
      for (let i = 0; i < this.turn.length; i++) {
        const owner = this.turn[i]!;
        const state = this.owners.get(owner)!;
        if (this.running(state) >= this.ownerMax) continue;
        let ms = this.usageOf(owner, now);
        for (const lease of state.holding) ms += now - lease.start;
        const key: [number, number] = [ms, state.holding.size];
        if (!bestKey || key[0] < bestKey[0] || (key[0] === bestKey[0] && key[1] < bestKey[1])) [best, bestKey] = [i, key];
      }
      // Every waiting owner runs as many as it may: the place stays free.
      if (best < 0) break;
      const owner = this.turn.splice(best, 1)[0]!;
      const state = this.owners.get(owner)!;
      const waiter = state.waiting.shift()!;
      if (state.waiting.length > 0) this.turn.push(owner);
      waiter.grant(this.take(owner, state));
    }
  }

  private usageOf(owner: string, now: number): number {
    const u = this.usage.get(owner);
    return u ? u.ms * 0.5 ** ((now - u.at) / this.halfLifeMs) : 0;
  }

  private addUsage(owner: string, ms: number): void {
    const now = this.clock.now();
    this.usage.set(owner, { ms: this.usageOf(owner, now) + ms, at: now });
    // Bounded: containers come and go; what is forgotten has faded below a millisecond. The next sweep waits
    // until the map has doubled, so a host with many checked containers does not sweep at every release.
    if (this.usage.size > Math.max(this.sweepAt, 2 * this.owners.size + 256)) {
      for (const id of this.usage.keys()) if (!this.owners.has(id) && this.usageOf(id, now) < 1) this.usage.delete(id);
      this.sweepAt = 2 * this.usage.size;
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
    if (!state) this.owners.set(owner, (state = { holding: new Set(), overdue: 0, waiting: [] }));
    return state;
  }

  private forgetIfIdle(owner: string, state: Owner): void {
    if (state.holding.size === 0 && state.overdue === 0 && state.waiting.length === 0) this.owners.delete(owner);
  }
}
