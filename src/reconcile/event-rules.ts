// When a Docker event makes the reconciler look at a container. Network events mostly come with a
// start or a die that syncs the container anyway; their own sync is skipped when it cannot change
// anything (level-triggered: a sync that starts after an event sees its effect).
import type { StoppedHint } from '../model/facts.js';
import { TIMINGS } from '../timings.js';

/** What a Docker event already says about a container. */
export interface EventHints {
  /** A die or destroy event's facts: Docker need not be asked. */
  stopped?: StoppedHint | undefined;
  /** A start event's name and labels: the ownership guard can ask Consul while Docker is asked. */
  seen?: { name: string; labels: Record<string, string> } | undefined;
  /** A network event: a connect comes before every start, a disconnect after every die. */
  network?: 'connect' | 'disconnect' | undefined;
}

/** Time for the event rules: the reconciler's is real, a unit test's is fake. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** What the rules need to remember of each container (reconcile/ledger.ts keeps it). */
export interface EventMemory {
  stopEvent(id: string, stopped: boolean): void;
  lastEventSaidStopped(id: string): boolean;
  hasServices(id: string): boolean;
  syncStartedAfter(id: string, at: number): boolean;
}

/** What to do about an event: look now, never, or after a wait unless a sync has started since `received`. */
export type EventDecision = { look: 'now' } | { look: 'never' } | { look: 'after'; waitMs: number; received: number };

/** Decides at once; remembers whether the event said the container stopped. */
export function decide(id: string, event: EventHints, memory: EventMemory, rules: { now: number; settleMs: number }): EventDecision {
  if (event.stopped) memory.stopEvent(id, true);
  else if (event.seen) memory.stopEvent(id, false);
  // Docker sends a disconnect after every die: the die's own sync already wants nothing for the container,
  // and a disconnect cannot give services to a container that owns none.
  if (event.network === 'disconnect' && (!memory.hasServices(id) || memory.lastEventSaidStopped(id))) return { look: 'never' };
  // A connect comes before every start, whose sync makes the connect's unneeded: it waits a moment.
  if (event.network === 'connect') return { look: 'after', waitMs: rules.settleMs, received: rules.now };
  return { look: 'now' };
}

export interface EventRuleOptions {
  memory: EventMemory;
  clock?: Clock;
  /** How long a connect's own sync waits (default: TIMINGS). */
  settleMs?: number;
}

/** Whether the reconciler should look at the container for this event, once any wait is over. */
export async function shouldLook(id: string, event: EventHints, options: EventRuleOptions): Promise<boolean> {
  const clock = options.clock ?? realClock;
  const settleMs = options.settleMs ?? TIMINGS.networkEventSettleMs;
  const decision = decide(id, event, options.memory, { now: clock.now(), settleMs });
  if (decision.look !== 'after') return decision.look === 'now';
  await clock.sleep(decision.waitMs);
  return !options.memory.syncStartedAfter(id, decision.received);
}
