// Services that are registered but left out of Consul DNS because a check of theirs is critical:
// the finding check-critical, from one read of the agent's checks (plan, and each full pass).
import type { Logger } from 'pino';
import type { Finding } from '../model/findings.js';
import { finding, findingLevel } from '../model/finding-codes.js';
import { printable } from '../model/show.js';
import type { Metrics } from '../status/metrics.js';
import type { AgentCheck } from './service-agent.js';

/** How much of a check's output a finding quotes: its first line, cut here. */
const OUTPUT_SHOWN = 200;

/** A service of a container, as far as its checks are concerned. */
export interface CheckedService {
  id: string;
  port: number | string;
}

/** One check-critical finding per service among these with a critical check on the agent. */
export function criticalCheckFindings(checks: AgentCheck[], services: CheckedService[]): (Finding & { serviceId: string })[] {
  return services.flatMap((s) => {
    const critical = checks.find((c) => c.serviceId === s.id && c.status === 'critical');
    if (critical === undefined) return [];
    const output = printable((critical.output.split('\n')[0] ?? '').slice(0, OUTPUT_SHOWN));
    const text = `check ${printable(critical.checkId)} of ${printable(s.id)} is critical${output ? `: ${output}` : ''}`;
    return [{ ...finding('check-critical', text, { port: s.port }), serviceId: s.id }];
  });
}

/** A running container and its services, as a full pass saw them. */
export interface CheckedContainer {
  id: string;
  name: string;
  services: CheckedService[];
}

/**
 * The daemon's check-critical findings: logged once per container and port while critical (again
 * after it passed and turned critical anew), and counted for registrar_containers_with_finding.
 * Apart from the per-sync findings, which never hold this code.
 */
export class CheckFindings {
  /** Keys (container, port) that are critical now. */
  private current = new Set<string>();

  constructor(
    private readonly log: Logger,
    private readonly metrics?: Metrics,
  ) {}

  /** Every running container's state after one read of the checks. */
  update(checks: AgentCheck[], containers: CheckedContainer[]): void {
    const next = new Set<string>();
    const withCode = new Set<string>();
    for (const container of containers) {
      for (const f of criticalCheckFindings(checks, container.services)) {
        const key = JSON.stringify([container.id, f.port]);
        withCode.add(container.id);
        if (next.has(key)) continue;
        next.add(key);
        if (this.current.has(key)) continue;
        const fields = { event: 'finding', code: f.code, container: container.name, containerId: container.id, port: f.port };
        this.log[findingLevel(f.code)](fields, `container ${printable(container.name)}: ${f.text} — ${f.fix}`);
      }
    }
    this.current = next;
    this.metrics?.setFinding('check-critical', withCode.size);
  }
}
