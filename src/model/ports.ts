import type { PortFact, Protocol } from './facts.js';
import { splitList } from './settings.js';
import type { Finding } from './findings.js';
import { finding } from './finding-codes.js';
import { shown } from './show.js';

const PORT_SPEC = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/i;

/**
 * The container-side ports to register: those the image or `docker run --expose` exposes, plus
 * those declared with `SERVICE_PORTS=80,53/udp` for images that expose none. Host port mappings
 * are never looked at: services are reached on the container's own address.
 */
export function servicePorts(exposed: PortFact[], declared: string | undefined, findings: Finding[]): PortFact[] {
  const ports = [...exposed];
  for (const spec of declared === undefined ? [] : splitList(declared)) {
    const m = PORT_SPEC.exec(spec);
    const port = m ? Number(m[1]) : 0;
    if (!m || port < 1 || port > 65535) {
      findings.push(finding('service-ports-entry-refused', `SERVICE_PORTS entry ${shown(spec)} is not a port`, { label: 'SERVICE_PORTS' }));
      continue;
    }
    ports.push({ port, protocol: (m[2]?.toLowerCase() ?? 'tcp') as Protocol });
  }
  const unique = new Map(ports.map((p) => [`${p.port}/${p.protocol}`, p]));
  return [...unique.values()].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
}
