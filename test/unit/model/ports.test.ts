import { expect } from 'chai';
import type { Finding } from '../../../src/model/findings.js';
import { servicePorts } from '../../../src/model/ports.js';

describe('model/ports: servicePorts', () => {
  it('gives the exposed ports sorted by number then protocol', () => {
    const findings: Finding[] = [];
    const ports = servicePorts(
      [
        { port: 8080, protocol: 'tcp' },
        { port: 53, protocol: 'udp' },
        { port: 53, protocol: 'tcp' },
      ],
      undefined,
      findings,
    );
    expect(ports).to.deep.equal([
      { port: 53, protocol: 'tcp' },
      { port: 53, protocol: 'udp' },
      { port: 8080, protocol: 'tcp' },
    ]);
    expect(findings).to.deep.equal([]);
  });

  it('adds SERVICE_PORTS entries, tcp unless a protocol is written, without duplicating exposed ones', () => {
    const ports = servicePorts([{ port: 80, protocol: 'tcp' }], '80, 7001/UDP,9000/sctp', []);
    expect(ports).to.deep.equal([
      { port: 80, protocol: 'tcp' },
      { port: 7001, protocol: 'udp' },
      { port: 9000, protocol: 'sctp' },
    ]);
  });

  it('warns about entries that are not ports and keeps the others', () => {
    const findings: Finding[] = [];
    const ports = servicePorts([], '0,65536,http,80/icmp,8080,65535', findings);
    expect(ports.map((p) => p.port)).to.deep.equal([8080, 65535]);
    expect(findings).to.have.length(4);
    expect(findings[0]).to.include({ code: 'service-ports-entry-refused', label: 'SERVICE_PORTS' });
  });

  it('gives no ports when none are exposed or declared', () => {
    expect(servicePorts([], undefined, [])).to.deep.equal([]);
    expect(servicePorts([], '', [])).to.deep.equal([]);
  });
});
