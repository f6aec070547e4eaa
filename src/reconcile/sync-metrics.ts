import type { Metrics } from '../status/metrics.js';

/** What the reconciler's syncs add to /metrics (nothing without a Metrics: unit tests, plan). */
export class SyncMetrics {
  constructor(private readonly metrics: Metrics | undefined) {}

  syncTook(ms: number): void {
    this.metrics?.observe('registrar_sync_duration_seconds', ms / 1000);
  }

  syncFailed(): void {
    this.metrics?.inc('registrar_sync_errors_total');
  }

  registered(): void {
    this.metrics?.inc('registrar_registrations_total');
  }

  deregistered(): void {
    this.metrics?.inc('registrar_deregistrations_total');
  }

  /** Registrations Consul refused (4xx) in one sync. */
  refused(count: number): void {
    this.metrics?.inc('registrar_refusals_total', count);
  }

  /** IDs the ownership guard kept from being written in one sync. */
  ownershipRefused(count: number): void {
    this.metrics?.inc('registrar_ownership_refusals_total', count);
  }

  /** The services owned on the agent, summed over the containers. */
  ownedServices(total: number): void {
    this.metrics?.set('registrar_owned_services', total);
  }

  /** Containers by finding code, for the codes whose count changed. */
  findingCounts(changed: ReadonlyMap<string, number>): void {
    for (const [code, containers] of changed) this.metrics?.setFinding(code, containers);
  }
}
