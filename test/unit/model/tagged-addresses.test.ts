import { expect } from 'chai';
import { codes } from '../support/findings.js';
import { planContainer } from '../../../src/model/plan.js';
import { factsFromInspect } from '../../../src/docker/facts.js';
import { diff } from '../../../src/reconcile/diff.js';
import { withHash } from '../../../src/reconcile/hash.js';
import type { ContainerFacts } from '../../../src/model/facts.js';
import { facts, inspect, options, withSettings } from '../support/fixtures.js';

// user-network: 6379/tcp at 10.201.1.2 on a /24.
const published = (labels: Record<string, string> = {}, hostIp = '0.0.0.0', hostPort = 32001): ContainerFacts => ({
  ...withSettings(facts('user-network'), labels),
  publishedPorts: [{ port: 6379, protocol: 'tcp', hostIp, hostPort }],
});
const hostOptions = () => options({ hostIp: '192.0.2.10' });

describe('model/tagged-addresses: lan and wan pairs of a service', () => {
  it('tags the container address as lan and lan_ipv4, and no wan when nothing is published', () => {
    const plan = planContainer(withSettings(facts('user-network')), hostOptions());
    const lan = { Address: '10.201.1.2', Port: 6379 };
    expect(plan.registrations[0]!.TaggedAddresses).to.deep.equal({ lan, lan_ipv4: lan });
    expect(plan.findings).to.deep.equal([]);
  });

  it('tags a port published on every host address as wan and wan_ipv4 at --host-ip and the host port', () => {
    const reg = planContainer(published(), hostOptions()).registrations[0]!;
    const wan = { Address: '192.0.2.10', Port: 32001 };
    expect(reg.TaggedAddresses).to.deep.include({ wan, wan_ipv4: wan });
    expect(reg.Address, 'the service address stays the container one').to.equal('10.201.1.2');
  });

  it('uses the bound host address of a binding to one address, and skips a loopback binding', () => {
    expect(planContainer(published({}, '198.51.100.7'), hostOptions()).registrations[0]!.TaggedAddresses!.wan).to.deep.equal({
      Address: '198.51.100.7',
      Port: 32001,
    });
    expect(planContainer(published({}, '127.0.0.1'), hostOptions()).registrations[0]!.TaggedAddresses).to.not.have.property('wan');
  });

  it('has no wan address when the host address is unknown', () => {
    expect(planContainer(published(), options()).registrations[0]!.TaggedAddresses).to.not.have.property('wan');
  });

  it('tags an IPv6 container address as lan_ipv6', () => {
    const reg = planContainer(withSettings(facts('ipv6'), { SERVICE_IP_FAMILY: '6' }), hostOptions()).registrations[0]!;
    expect(Object.keys(reg.TaggedAddresses!)).to.include('lan_ipv6').and.not.include('lan_ipv4');
    expect(reg.TaggedAddresses!.lan!.Address).to.equal(reg.Address);
  });

  it('leaves them out with SERVICE_TAGGED_ADDRESSES=off, and keeps them with a finding for a value neither on nor off', () => {
    expect(planContainer(published({ SERVICE_TAGGED_ADDRESSES: 'off' }), hostOptions()).registrations[0]).to.not.have.property(
      'TaggedAddresses',
    );
    const odd = planContainer(published({ SERVICE_TAGGED_ADDRESSES: 'none' }), hostOptions());
    expect(odd.registrations[0]!.TaggedAddresses).to.have.property('wan');
    expect(codes(odd.findings)).to.deep.equal(['tagged-addresses-not-boolean']);
  });

  it('takes SERVICE_WAN_ADDRESS over the published port: a host address, or one in the container subnet', () => {
    const host = planContainer(published({ SERVICE_WAN_ADDRESS: '192.0.2.10:443' }), hostOptions());
    expect(host.registrations[0]!.TaggedAddresses!.wan).to.deep.equal({ Address: '192.0.2.10', Port: 443 });
    const own = planContainer(withSettings(facts('user-network'), { SERVICE_6379_WAN_ADDRESS: '10.201.1.9:80' }), hostOptions());
    expect(own.registrations[0]!.TaggedAddresses!.wan_ipv4).to.deep.equal({ Address: '10.201.1.9', Port: 80 });
    expect(host.findings.concat(own.findings)).to.deep.equal([]);
  });

  it('refuses a SERVICE_WAN_ADDRESS outside the policy or malformed, and falls back to the published port', () => {
    for (const value of [
      '169.254.169.254:80',
      '203.0.113.5:80',
      '10.201.1.9',
      '10.201.1.9:0',
      '10.201.1.9:70000',
      'fe80::1%eth0:80',
      'x',
    ]) {
      const plan = planContainer(published({ SERVICE_WAN_ADDRESS: value }), hostOptions());
      expect(codes(plan.findings), value).to.deep.equal(['wan-address-refused']);
      expect(plan.registrations[0]!.TaggedAddresses!.wan, value).to.deep.equal({ Address: '192.0.2.10', Port: 32001 });
    }
    const anywhere = planContainer(published({ SERVICE_WAN_ADDRESS: '203.0.113.5:80' }), { ...hostOptions(), anyServiceIp: true });
    expect(anywhere.registrations[0]!.TaggedAddresses!.wan).to.deep.equal({ Address: '203.0.113.5', Port: 80 });
  });

  it('does not take the tagged-address keys as service Meta', () => {
    const reg = planContainer(published({ SERVICE_WAN_ADDRESS: '192.0.2.10:443', SERVICE_TAGGED_ADDRESSES: 'on' }), hostOptions())
      .registrations[0]!;
    expect(Object.keys(reg.Meta).filter((k) => !k.startsWith('registrar_'))).to.deep.equal([]);
  });

  it('is compared by change detection: a new wan address re-registers, the same one writes nothing', () => {
    const before = withHash(planContainer(published(), hostOptions()).registrations[0]!);
    const owned = [
      { id: before.ID, name: before.Name, address: before.Address, port: before.Port, containerId: 'c', hash: before.Meta.registrar_hash! },
    ];
    const same = withHash(planContainer(published(), hostOptions()).registrations[0]!);
    const moved = withHash(planContainer(published({}, '0.0.0.0', 32002), hostOptions()).registrations[0]!);
    expect(diff([same], owned).register).to.deep.equal([]);
    expect(diff([moved], owned).register.map((r) => r.ID)).to.deep.equal([before.ID]);
  });
});

describe('docker/facts: published ports', () => {
  it("reads the engine's bindings, skipping unbound ports and bad host ports", () => {
    const info = inspect('user-network');
    info.NetworkSettings.Ports = {
      '6379/tcp': [
        { HostIp: '0.0.0.0', HostPort: '32001' },
        { HostIp: '::', HostPort: '32001' },
      ],
      '53/udp': [{ HostIp: '192.0.2.1', HostPort: 'x' }],
      '80/tcp': null as unknown as [],
    };
    expect(factsFromInspect(info).publishedPorts).to.deep.equal([
      { port: 6379, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 32001 },
      { port: 6379, protocol: 'tcp', hostIp: '::', hostPort: 32001 },
    ]);
    info.NetworkSettings.Ports = {};
    expect(factsFromInspect(info)).to.not.have.property('publishedPorts');
  });
});
