import type { Finding } from '../model/findings.js';
import { FindingCounts } from './finding-counts.js';
import { OncePerContainer } from './once-per-container.js';

/** What the reconciler remembers about one container between its syncs. */
interface Entry {
  /** When its latest sync started (the clock's ms). */
  syncStartedAt?: number;
  /** Its latest event said it stopped (die, destroy) and no start came since. */
  stopEventLast?: true;
  /** How many services it has on the agent after its last sync (never 0: the entry goes instead). */
  servicesOnAgent?: number;
  /** Its name, while its last sync saw it running. */
  runningName?: string;
  /** The number of the registrar's last write for it (see `writeCount`). */
  lastWrite?: number;
}

/**
 * The reconciler's memory of each container, in one place: when it was last synced and written,
 * what its last event and sync said, and which of its findings and refusals were already logged.
 * Full passes forget the containers that are gone.
 */
export class ContainerLedger {
  private readonly entries = new Map<string, Entry>();
  /** Services on the agent, summed over the containers. */
  private servicesTotal = 0;
  /** Writes so far, to tell whether a container was written after a full pass read the agent. */
  private writes = 0;
  private readonly loggedFindings = new OncePerContainer();
  private readonly loggedRefusals = new OncePerContainer();
  /** Running containers by finding code: what /metrics shows. */
  private readonly findingCodes = new FindingCounts();

  syncStarted(id: string, at: number): void {
    this.edit(id, (e) => (e.syncStartedAt = at));
  }

  /** Whether a sync of the container started after this time. */
  syncStartedAfter(id: string, at: number): boolean {
    return (this.entries.get(id)?.syncStartedAt ?? -Infinity) > at;
  }

  /** Remembers whether the container's latest event said it stopped. */
  stopEvent(id: string, stopped: boolean): void {
    this.edit(id, (e) => (stopped ? (e.stopEventLast = true) : delete e.stopEventLast));
  }

  lastEventSaidStopped(id: string): boolean {
    return this.entries.get(id)?.stopEventLast === true;
  }

  /** This container's count of services on the agent now; returns the sum over all containers. */
  servicesNow(id: string, services: number): number {
    this.servicesTotal += services - (this.entries.get(id)?.servicesOnAgent ?? 0);
    this.edit(id, (e) => (services > 0 ? (e.servicesOnAgent = services) : delete e.servicesOnAgent));
    return this.servicesTotal;
  }

  hasServices(id: string): boolean {
    return this.entries.get(id)?.servicesOnAgent !== undefined;
  }

  /** The container's name while it runs (as its last sync saw it), or that it is not running. */
  running(id: string, name: string | undefined): void {
    this.edit(id, (e) => (name === undefined ? delete e.runningName : (e.runningName = name)));
  }

  runningName(id: string): string | undefined {
    return this.entries.get(id)?.runningName;
  }

  /** A write for the container succeeded. */
  wrote(id: string): void {
    const n = ++this.writes;
    this.edit(id, (e) => (e.lastWrite = n));
  }

  /** The write counter now: compare with `writtenSince`. */
  get writeCount(): number {
    return this.writes;
  }

  /** Whether the container was written after the counter read `count`. */
  writtenSince(id: string, count: number): boolean {
    return (this.entries.get(id)?.lastWrite ?? 0) > count;
  }

  /** A container with no services: nothing of it for a full pass's list to be stale about. */
  forgetWrites(id: string): void {
    this.edit(id, (e) => delete e.lastWrite);
  }

  /** The findings not logged for this container before (by code, port and label, never by wording). */
  unloggedFindings(id: string, findings: Finding[]): Finding[] {
    const byKey = new Map(findings.map((f) => [JSON.stringify([f.code, f.port, f.label]), f]));
    return this.loggedFindings.fresh(id, [...byKey.keys()]).map((key) => byKey.get(key)!);
  }

  /** The refusal messages not logged for this container before. */
  unloggedRefusals(id: string, refusals: string[]): string[] {
    return this.loggedRefusals.fresh(id, refusals);
  }

  /** The container's finding codes now (none unless it runs); returns the per-code counts that changed. */
  findingCodesNow(id: string, codes: string[]): Map<string, number> {
    return this.findingCodes.set(id, codes);
  }

  /** Forgets the containers not among these (gone); returns the per-code finding counts that changed. */
  prune(present: ReadonlySet<string>): Map<string, number> {
    for (const [id, e] of this.entries) {
      // Their services and writes stay counted: the sync that removes the services forgets them.
      if (present.has(id)) continue;
      delete e.syncStartedAt;
      delete e.stopEventLast;
      delete e.runningName;
      this.dropIfEmpty(id, e);
    }
    return this.findingCodes.prune(present);
  }

  private edit(id: string, change: (e: Entry) => unknown): void {
    const e = this.entries.get(id) ?? {};
    change(e);
    this.entries.set(id, e);
    this.dropIfEmpty(id, e);
  }

  private dropIfEmpty(id: string, e: Entry): void {
    if (Object.keys(e).length === 0) this.entries.delete(id);
  }
}
