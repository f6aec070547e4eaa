// SERVICE_CONNECT through planContainer: what the labels of a recorded container add to its plan.
import { expect } from 'chai';
import { codes } from '../support/findings.js';
import { DEFAULT_PROXY_LIMITS, MAX_SIDECARS, type ConnectOptions, type ProxyOptions } from '../../../src/model/connect.js';
import { planContainer } from '../../../src/model/plan.js';
import type { Registration } from '../../../src/model/registration.js';
import { facts, options, withSettings } from '../support/fixtures.js';

const proxy: ProxyOptions = {
  image: 'hashicorp/consul:1.20',
  command: ['consul', 'connect', 'proxy'],
  agentPort: 8500,
  agentScheme: 'http',
  limits: DEFAULT_PROXY_LIMITS,
};
const connectOn: ConnectOptions = { enabled: true };
const withProxies: ConnectOptions = { enabled: true, proxy };

// user-network: one exposed port (6379/tcp) at 10.201.1.2 on fixture-rec-a, whose gateway is 10.201.1.1.
const onePort = (labels: Record<string, string>) => withSettings(facts('user-network'), labels);
// default-bridge: 53/udp, 80/tcp and 8080/tcp at 172.17.0.2 on the default bridge (gateway 172.17.0.1).
const threePorts = (labels: Record<string, string>) => withSettings(facts('default-bridge'), labels);

const PARENT = 'host1:fixture-rec-user-network:6379';
const SIDECAR = `${PARENT}-sidecar-proxy`;

const byId = (regs: Registration[], id: string): Registration => {
  const reg = regs.find((r) => r.ID === id);
  expect(reg, `a registration ${id}`).to.not.equal(undefined);
  return reg!;
};

describe('model/plan: planContainer with SERVICE_CONNECT', () => {
  it('registers the service, then its connect-proxy sidecar following it, on 21000 at the same address', () => {
    const plan = planContainer(onePort({ SERVICE_NAME: 'cache', SERVICE_CONNECT: 'sidecar' }), options({ connect: connectOn }));
    expect(plan.findings).to.deep.equal([]);
    expect(plan.registrations.map((r) => [r.ID, r.Name, r.Kind, r.Address, r.Port])).to.deep.equal([
      [PARENT, 'cache', undefined, '10.201.1.2', 6379],
      [SIDECAR, 'cache-sidecar-proxy', 'connect-proxy', '10.201.1.2', 21000],
    ]);
    const [app, sidecar] = plan.registrations as [Registration, Registration];
    expect(app).to.not.have.property('Connect');
    expect(app).to.not.have.property('Proxy');
    expect(sidecar.Proxy).to.deep.equal({
      DestinationServiceName: 'cache',
      DestinationServiceID: PARENT,
      LocalServiceAddress: '127.0.0.1',
      LocalServicePort: 6379,
    });
    expect(sidecar.Checks.map((c) => [c.CheckID, c.TCP ?? c.AliasService])).to.deep.equal([
      [`service:${SIDECAR}:tcp`, '10.201.1.2:21000'],
      [`service:${SIDECAR}:alias`, PARENT],
    ]);
    expect(sidecar.Meta).to.include({ registrar_host: 'host1', registrar_container: plan.containerId });
    expect(plan.proxies, 'no --connect-proxy-image: no proxy container').to.deep.equal([]);
  });

  it('plans a proxy container per sidecar when --connect-proxy-image is set', () => {
    const container = onePort({ SERVICE_CONNECT: 'sidecar' });
    const plan = planContainer(container, options({ connect: withProxies }));
    expect(plan.proxies).to.deep.equal([
      {
        appId: container.id,
        sidecarId: SIDECAR,
        serviceId: PARENT,
        serviceName: 'busybox',
        limits: DEFAULT_PROXY_LIMITS,
        name: 'fixture-rec-user-network-sidecar-proxy',
        image: 'hashicorp/consul:1.20',
        cmd: ['consul', 'connect', 'proxy', '-sidecar-for', PARENT],
        env: { CONSUL_HTTP_ADDR: 'http://10.201.1.1:8500' },
        appStartedAt: container.startedAt,
      },
    ]);
  });

  it('adds the upstreams of SERVICE_CONNECT_UPSTREAMS to the sidecar, none on a port of the container', () => {
    const plan = planContainer(
      onePort({ SERVICE_CONNECT: 'sidecar', SERVICE_CONNECT_UPSTREAMS: 'db:5432,api@dc2:9000,bad:6379' }),
      options({ connect: connectOn }),
    );
    expect(byId(plan.registrations, SIDECAR).Proxy!.Upstreams).to.deep.equal([
      { DestinationName: 'db', LocalBindPort: 5432 },
      { DestinationName: 'api', LocalBindPort: 9000, Datacenter: 'dc2' },
    ]);
    expect(codes(plan.findings)).to.deep.equal(['upstream-refused']);
  });

  it('registers nothing of Connect, with one warning, when the agent has Connect disabled', () => {
    for (const connect of [{ enabled: false, proxy }, undefined]) {
      const plan = planContainer(onePort({ SERVICE_CONNECT: 'sidecar' }), options(connect ? { connect } : {}));
      expect(plan.registrations.map((r) => r.ID)).to.deep.equal([PARENT]);
      expect(plan.registrations[0]).to.not.have.property('Connect');
      expect(plan.proxies).to.deep.equal([]);
      expect(plan.findings).to.have.length(1);
      expect(plan.findings[0]?.code).to.equal('connect-disabled');
    }
  });

  it('marks a SERVICE_CONNECT=native service Connect-native, with no sidecar and no proxy', () => {
    const plan = planContainer(onePort({ SERVICE_CONNECT: 'native' }), options({ connect: withProxies }));
    expect(plan.registrations).to.have.length(1);
    expect(plan.registrations[0]).to.deep.include({ ID: PARENT, Connect: { Native: true } });
    expect(plan.proxies).to.deep.equal([]);
    expect(plan.findings).to.deep.equal([]);
  });

  it('gives each port its own sidecar on the next default port, and its proxy a name with the port', () => {
    const plan = planContainer(
      threePorts({ SERVICE_NAME: 'web', SERVICE_80_CONNECT: 'sidecar', SERVICE_8080_CONNECT: 'sidecar' }),
      options({ connect: withProxies }),
    );
    expect(plan.findings).to.deep.equal([]);
    expect(plan.registrations.map((r) => [r.ID, r.Port])).to.deep.equal([
      ['host1:fixture-rec-default-bridge:53:udp', 53],
      ['host1:fixture-rec-default-bridge:80', 80],
      ['host1:fixture-rec-default-bridge:80-sidecar-proxy', 21000],
      ['host1:fixture-rec-default-bridge:8080', 8080],
      ['host1:fixture-rec-default-bridge:8080-sidecar-proxy', 21001],
    ]);
    expect(plan.proxies.map((p) => [p.name, p.sidecarId, p.env.CONSUL_HTTP_ADDR])).to.deep.equal([
      ['fixture-rec-default-bridge-sidecar-proxy-80', 'host1:fixture-rec-default-bridge:80-sidecar-proxy', 'http://172.17.0.1:8500'],
      ['fixture-rec-default-bridge-sidecar-proxy-8080', 'host1:fixture-rec-default-bridge:8080-sidecar-proxy', 'http://172.17.0.1:8500'],
    ]);
  });

  it('takes SERVICE_<port>_CONNECT_PORT for that port only, and refuses one a port of the container has', () => {
    const plan = planContainer(
      threePorts({
        SERVICE_80_CONNECT: 'sidecar',
        SERVICE_80_CONNECT_PORT: '8080',
        SERVICE_8080_CONNECT: 'sidecar',
        SERVICE_8080_CONNECT_PORT: '22000',
      }),
      options({ connect: connectOn }),
    );
    expect(plan.registrations.filter((r) => r.Kind === 'connect-proxy').map((r) => [r.ID, r.Port])).to.deep.equal([
      ['host1:fixture-rec-default-bridge:8080-sidecar-proxy', 22000],
    ]);
    expect(codes(plan.findings)).to.deep.equal(['sidecar-port-taken']);
  });

  it("keeps one sidecar's port and upstreams off those of another sidecar of the same container", () => {
    const plan = planContainer(
      threePorts({
        SERVICE_80_CONNECT: 'sidecar',
        SERVICE_80_CONNECT_UPSTREAMS: 'db:5432,cache:21001',
        SERVICE_8080_CONNECT: 'sidecar',
        SERVICE_8080_CONNECT_PORT: '21002',
        SERVICE_8080_CONNECT_UPSTREAMS: 'db:5432,queue:5672',
      }),
      options({ connect: connectOn }),
    );
    const upstreams = (id: string) => byId(plan.registrations, id).Proxy!.Upstreams;
    expect(upstreams('host1:fixture-rec-default-bridge:80-sidecar-proxy')).to.deep.equal([
      { DestinationName: 'db', LocalBindPort: 5432 },
      { DestinationName: 'cache', LocalBindPort: 21001 },
    ]);
    // Both proxies share the container's loopback: a second listener on 5432 could not bind.
    expect(upstreams('host1:fixture-rec-default-bridge:8080-sidecar-proxy')).to.deep.equal([
      { DestinationName: 'queue', LocalBindPort: 5672 },
    ]);
    expect(codes(plan.findings)).to.deep.equal(['upstream-refused']);
    const defaults = planContainer(
      threePorts({ SERVICE_80_CONNECT: 'sidecar', SERVICE_80_CONNECT_UPSTREAMS: 'cache:21001', SERVICE_8080_CONNECT: 'sidecar' }),
      options({ connect: connectOn }),
    );
    expect(defaults.registrations.filter((r) => r.Kind === 'connect-proxy').map((r) => r.Port)).to.deep.equal([21000]);
    expect(codes(defaults.findings)).to.deep.equal(['sidecar-port-taken']);
  });

  it(`gives the first ${MAX_SIDECARS} ports of a container a sidecar each, and warns about the rest`, () => {
    const ports = Array.from({ length: MAX_SIDECARS + 2 }, (_, i) => 7000 + i);
    const plan = planContainer(
      withSettings(facts('no-expose'), { SERVICE_PORTS: ports.join(','), SERVICE_CONNECT: 'sidecar' }),
      options({ connect: withProxies }),
    );
    const sidecars = plan.registrations.filter((r) => r.Kind === 'connect-proxy');
    expect(sidecars.map((r) => [r.Proxy!.LocalServicePort, r.Port])).to.deep.equal(
      ports.slice(0, MAX_SIDECARS).map((port, i) => [port, 21000 + i]),
    );
    expect(plan.proxies).to.have.length(MAX_SIDECARS);
    expect(plan.registrations).to.have.length(ports.length + MAX_SIDECARS);
    expect(plan.findings).to.have.length(2);
    expect(plan.findings[0]).to.include({ code: 'too-many-sidecars', port: String(7000 + MAX_SIDECARS) });
  });

  it("reaches the agent through the gateway of the address's own network", () => {
    // two-networks: SERVICE_NETWORK=fixture-rec-b picks 10.201.2.2, whose network's gateway is 10.201.2.1.
    const container = withSettings(facts('two-networks'), { SERVICE_NETWORK: 'fixture-rec-b', SERVICE_CONNECT: 'sidecar' });
    const plan = planContainer(container, options({ connect: withProxies }));
    expect(plan.registrations.map((r) => r.Address)).to.deep.equal(['10.201.2.2', '10.201.2.2']);
    expect(plan.proxies[0]!.env.CONSUL_HTTP_ADDR).to.equal('http://10.201.2.1:8500');
  });

  it('uses the IPv6 gateway, in brackets, for a service registered on its IPv6 address', () => {
    const container = withSettings(facts('ipv6'), { SERVICE_IP_FAMILY: '6', SERVICE_CONNECT: 'sidecar' });
    const plan = planContainer(container, options({ connect: withProxies }));
    expect(plan.findings).to.deep.equal([]);
    const sidecar = plan.registrations[1]!;
    expect(sidecar).to.deep.include({ Address: 'fd00:201:6::2', Port: 21000 });
    expect(sidecar.Checks[0]!.TCP).to.equal('[fd00:201:6::2]:21000');
    expect(plan.proxies[0]!.env.CONSUL_HTTP_ADDR).to.equal('http://[fd00:201:6::1]:8500');
  });

  it('plans no proxy for a container that is not registered', () => {
    const ignored = planContainer(onePort({ SERVICE_CONNECT: 'sidecar', SERVICE_IGNORE: 'true' }), options({ connect: withProxies }));
    expect(ignored).to.deep.include({ registrations: [], proxies: [] });
    const stopped = planContainer(withSettings(facts('stopped'), { SERVICE_CONNECT: 'sidecar' }), options({ connect: withProxies }));
    expect(stopped).to.deep.include({ registrations: [], proxies: [] });
    expect(stopped.skipped?.code).to.equal('not-running');
  });

  it("gives a port that asks for a sidecar's ID its default ID instead, and keeps the sidecar", () => {
    const plan = planContainer(
      threePorts({ SERVICE_80_ID: 'web', SERVICE_80_CONNECT: 'sidecar', SERVICE_8080_ID: 'web-sidecar-proxy' }),
      options({ connect: withProxies }),
    );
    expect(plan.registrations.map((r) => r.ID)).to.include.members(['web', 'web-sidecar-proxy', 'host1:fixture-rec-default-bridge:8080']);
    expect(plan.registrations.find((r) => r.ID === 'web-sidecar-proxy')!.Kind).to.equal('connect-proxy');
    expect(plan.proxies.map((p) => p.sidecarId)).to.deep.equal(['web-sidecar-proxy']);
    expect(plan.findings.filter((f) => f.label === 'SERVICE_8080_ID')).to.have.length(1);
  });
});
