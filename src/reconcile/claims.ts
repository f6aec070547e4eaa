import type { Registration } from '../model/registration.js';
import type { Finding } from '../model/findings.js';
import { finding } from '../model/finding-codes.js';
import { appPort } from './app-port.js';
import { derivedFollowParents } from './derived-follow-parents.js';

/**
 * Which container holds each service ID. Two containers asking for one ID (the same SERVICE_ID)
 * would otherwise overwrite each other's registration on every pass; the first to claim it keeps
 * it until its own plan lets it go, and the other gets a finding.
 */
export class ServiceIdClaims {
  private readonly holder = new Map<string, string>();
  private readonly held = new Map<string, Set<string>>();

  /**
   * The registrations this container may write; the refused ones are explained in `findings`. A
   * sidecar whose parent another container holds is neither granted nor held: the holder may want it.
   */
  take(containerId: string, wanted: Registration[], findings: Finding[]): Registration[] {
    const free = wanted.filter((reg) => {
      const other = this.holder.get(key(reg.ID));
      if (other === undefined || other === containerId) return true;
      const text = `service ID "${reg.ID}" is also asked for by container ${other.slice(0, 12)}, which keeps it`;
      findings.push(finding('service-id-claimed', text, { port: appPort(reg) }));
      return false;
    });
    const granted = derivedFollowParents(free, findings);
    const mine = new Set(granted.map((reg) => key(reg.ID)));
    for (const id of this.held.get(containerId) ?? []) if (!mine.has(id)) this.holder.delete(id);
    for (const id of mine) this.holder.set(id, containerId);
    if (mine.size > 0) this.held.set(containerId, mine);
    else this.held.delete(containerId);
    return granted;
  }

  /** True when another container holds this ID now: its registration is not ours to remove. */
  heldByOther(serviceId: string, containerId: string): boolean {
    const other = this.holder.get(key(serviceId));
    return other !== undefined && other !== containerId;
  }
}

/** IDs are compared regardless of case: Consul's catalog takes "Web" and "web" for one service. */
function key(serviceId: string): string {
  return serviceId.toLowerCase();
}
