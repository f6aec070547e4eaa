import { expect } from 'chai';
import { planContainer } from '../../../src/model/plan.js';
import { facts, options, withSettings } from '../support/fixtures.js';

// default-bridge: 53/udp, 80/tcp and 8080/tcp.
const plan = (labels: Record<string, string>) => planContainer(withSettings(facts('default-bridge'), labels), options());
const names = (labels: Record<string, string>) => plan(labels).registrations.map((r) => [r.Port, r.Name]);

describe("model/plan: the fork's per-protocol keys SERVICE_<port>_<proto>_<KEY>", () => {
  it('takes SERVICE_<port>_<proto>_NAME over SERVICE_<port>_NAME over SERVICE_NAME, for that protocol only', () => {
    expect(names({ SERVICE_NAME: 'all', SERVICE_80_NAME: 'port', SERVICE_80_tcp_NAME: 'proto', SERVICE_53_tcp_NAME: 'no' })).to.deep.equal([
      [53, 'all-53'],
      [80, 'proto'],
      [8080, 'all-8080'],
    ]);
    expect(names({ SERVICE_53_UDP_NAME: 'dns' })[0]).to.deep.equal([53, 'dns']);
  });

  it('reads other keys the same way, and never takes a per-protocol key as Meta', () => {
    const p = plan({ SERVICE_80_tcp_IGNORE: 'true', SERVICE_8080_tcp_TAGS: 'x', SERVICE_8080_udp_TAGS: 'y' });
    expect(p.registrations.map((r) => r.Port)).to.deep.equal([53, 8080]);
    expect(p.registrations[1]!.Tags).to.deep.equal(['x']);
    for (const r of p.registrations) expect(Object.keys(r.Meta).filter((k) => !k.startsWith('registrar_'))).to.deep.equal([]);
  });

  it('takes SERVICE_<port>_<proto>_ID as the port own ID', () => {
    expect(plan({ SERVICE_80_tcp_ID: 'web-front' }).registrations.find((r) => r.Port === 80)!.ID).to.equal('web-front');
  });
});
