import { expect } from 'chai';
import { codes } from '../support/findings.js';
import type { Finding } from '../../../src/model/findings.js';
import { chooseAddress, hostPort } from '../../../src/model/address.js';
import type { ContainerFacts } from '../../../src/model/facts.js';
import { planContainer } from '../../../src/model/plan.js';
import { factsFromInspect } from '../../../src/docker/facts.js';
import { facts, inspect, options, withSettings } from '../support/fixtures.js';

/** Three networks given out of name order, to see that the choice is by name. */
const threeNetworks = (): ContainerFacts => ({
  ...facts('two-networks'),
  labels: {},
  networks: [
    { name: 'zeta', ipv4: '10.0.3.2', ipv6: '', ipv4PrefixLength: 24, ipv6PrefixLength: 0, gateways: [] },
    { name: 'alpha', ipv4: '10.0.1.2', ipv6: '', ipv4PrefixLength: 24, ipv6PrefixLength: 0, gateways: [] },
    { name: 'mid', ipv4: '10.0.2.2', ipv6: '', ipv4PrefixLength: 24, ipv6PrefixLength: 0, gateways: [] },
  ],
});

/**
 * An IPv6-only container, derived here from the recorded ipv6 fixture by blanking its IPv4
 * IPAddress in a copy (the recording's network has both an IPv4 and an IPv6 subnet).
 */
function ipv6Only(): ContainerFacts {
  const info = inspect('ipv6');
  for (const n of Object.values(info.NetworkSettings.Networks)) n.IPAddress = '';
  return factsFromInspect(info);
}

describe('model/address: chooseAddress', () => {
  it('uses the only network of a container on a user network', () => {
    const findings: Finding[] = [];
    expect(chooseAddress(facts('user-network'), undefined, undefined, {}, findings)).to.deep.equal({
      address: '10.201.1.2',
      network: 'fixture-rec-a',
    });
    expect(findings).to.deep.equal([]);
  });

  it('uses the default bridge address of a container on the default bridge', () => {
    expect(chooseAddress(facts('default-bridge'), undefined, undefined, {}, [])).to.deep.equal({
      address: '172.17.0.2',
      network: 'bridge',
    });
  });

  describe('SERVICE_IP', () => {
    it('uses a valid SERVICE_IP (trimmed) inside one of its subnets before anything else', () => {
      const findings: Finding[] = [];
      // two-networks is on 10.201.1.0/24 and 10.201.2.0/24: an address on its second network's subnet.
      expect(chooseAddress(facts('two-networks'), ' 10.201.2.77 ', 'fixture-rec-a', {}, findings)).to.deep.equal({
        address: '10.201.2.77',
        network: 'SERVICE_IP',
      });
      expect(findings).to.deep.equal([]);
    });

    it("refuses a SERVICE_IP outside the container's own subnets unless --allow-any-service-ip", () => {
      const findings: Finding[] = [];
      expect(chooseAddress(facts('two-networks'), '10.99.1.5', undefined, {}, findings)).to.deep.include({ address: '10.201.1.3' });
      expect(codes(findings)).to.include('service-ip-refused');
      expect(chooseAddress(facts('two-networks'), '10.99.1.5', undefined, { anyServiceIp: true }, [])).to.deep.equal({
        address: '10.99.1.5',
        network: 'SERVICE_IP',
      });
    });

    for (const ip of [
      '127.0.0.1',
      '127.9.9.9',
      '169.254.169.254',
      '0.0.0.0',
      '224.0.0.251',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'ff02::1',
      '::ffff:127.0.0.1',
    ]) {
      it(`never registers SERVICE_IP ${ip}, even with --allow-any-service-ip`, () => {
        const findings: Finding[] = [];
        expect(chooseAddress(facts('user-network'), ip, undefined, { anyServiceIp: true }, findings)).to.deep.equal({
          address: '10.201.1.2',
          network: 'fixture-rec-a',
        });
        expect(codes(findings)).to.include('service-ip-refused');
      });
    }

    it('takes the host address as SERVICE_IP in host network mode, and nothing else without --allow-any-service-ip', () => {
      expect(chooseAddress(facts('host-mode'), '192.0.2.7', undefined, { hostIp: '192.0.2.7' }, [])).to.deep.equal({
        address: '192.0.2.7',
        network: 'SERVICE_IP',
      });
      expect(chooseAddress(facts('host-mode'), '192.0.2.8', undefined, {}, [])).to.have.property('skip');
      expect(chooseAddress(facts('host-mode'), '192.0.2.8', undefined, { anyServiceIp: true }, [])).to.deep.equal({
        address: '192.0.2.8',
        network: 'SERVICE_IP',
      });
    });

    it('accepts an IPv6 SERVICE_IP on its IPv6 subnet and brackets it in check targets', () => {
      const plan = planContainer(withSettings(facts('ipv6'), { SERVICE_IP: 'fd00:201:6::5', SERVICE_CHECK_TCP: 'true' }), options());
      expect(plan.registrations[0]!.Address).to.equal('fd00:201:6::5');
      expect(plan.registrations[0]!.Checks[0]!.TCP).to.equal(`[fd00:201:6::5]:${plan.registrations[0]!.Port}`);
    });

    it('ignores an invalid SERVICE_IP with a warning and falls back to the network address', () => {
      const findings: Finding[] = [];
      expect(chooseAddress(facts('user-network'), '10.99.1', undefined, {}, findings)).to.deep.equal({
        address: '10.201.1.2',
        network: 'fixture-rec-a',
      });
      expect(findings).to.have.length(1);
      expect(findings[0]).to.include({ code: 'service-ip-refused', label: 'SERVICE_IP' });
    });
  });

  describe('host network mode', () => {
    it('uses --host-ip', () => {
      const plan = planContainer(facts('host-mode'), options({ hostIp: '192.168.1.10' }));
      expect(plan.registrations.map((r) => [r.Name, r.Address, r.Port])).to.deep.equal([['node-exporter', '192.168.1.10', 9100]]);
    });

    it('skips the container, asking for --host-ip, when the host address is unknown', () => {
      const plan = planContainer(facts('host-mode'), options());
      expect(plan.registrations).to.deep.equal([]);
      expect(plan.skipped?.code).to.equal('host-ip-unknown');
    });
  });

  describe('several networks', () => {
    it('uses the SERVICE_NETWORK the container names (two-networks → fixture-rec-b), without a warning', () => {
      const plan = planContainer(facts('two-networks'), options());
      expect(plan.registrations.map((r) => r.Address)).to.deep.equal(['10.201.2.2']);
      expect(plan.findings).to.deep.equal([]);
    });

    it('skips the container with a warning listing its networks when SERVICE_NETWORK is not one of them', () => {
      const plan = planContainer(withSettings(facts('two-networks'), { SERVICE_NETWORK: 'elsewhere' }), options());
      expect(plan.registrations).to.deep.equal([]);
      expect(plan.skipped).to.include({ code: 'service-network-unknown', label: 'SERVICE_NETWORK' });
      expect(plan.findings).to.deep.equal([]);
    });

    it('lets SERVICE_NETWORK beat the --network flag', () => {
      const plan = planContainer(facts('two-networks'), options({ network: 'fixture-rec-a' }));
      expect(plan.registrations[0]!.Address).to.equal('10.201.2.2');
    });

    it('uses the --network flag when the container is on that network, without a warning', () => {
      const plan = planContainer(withSettings(facts('two-networks')), options({ network: 'fixture-rec-b' }));
      expect(plan.registrations[0]!.Address).to.equal('10.201.2.2');
      expect(plan.findings).to.deep.equal([]);
    });

    it('takes fixture-rec-a, the first by name, for two-networks without its SERVICE_NETWORK label, with one warning', () => {
      const plan = planContainer(withSettings(facts('two-networks')), options());
      expect(plan.registrations.map((r) => r.Address)).to.deep.equal(['10.201.1.3']);
      expect(plan.findings).to.have.length(1);
      expect(plan.findings[0]?.code).to.equal('several-networks');
    });

    it('takes the first network by name with one warning when neither SERVICE_NETWORK nor --network chooses', () => {
      const findings: Finding[] = [];
      expect(chooseAddress(threeNetworks(), undefined, undefined, {}, findings)).to.deep.equal({ address: '10.0.1.2', network: 'alpha' });
      expect(findings).to.have.length(1);
      expect(findings[0]?.code).to.equal('several-networks');
    });

    it("falls back to the first by name when the container is not on the --network flag's network", () => {
      const findings: Finding[] = [];
      expect(chooseAddress(threeNetworks(), undefined, undefined, { network: 'other' }, findings)).to.deep.include({ network: 'alpha' });
      expect(findings).to.have.length(1);
    });

    it('gives one warning per container however many ports it has', () => {
      const f: ContainerFacts = {
        ...threeNetworks(),
        exposedPorts: [
          { port: 80, protocol: 'tcp' },
          { port: 81, protocol: 'tcp' },
        ],
      };
      const plan = planContainer(f, options());
      expect(plan.registrations).to.have.length(2);
      expect(plan.findings).to.have.length(1);
    });

    it('passes over networks without an address', () => {
      const f: ContainerFacts = {
        ...threeNetworks(),
        networks: [
          { name: 'aaa', ipv4: '', ipv6: '', ipv4PrefixLength: 24, ipv6PrefixLength: 0, gateways: [] },
          { name: 'bbb', ipv4: '10.0.9.9', ipv6: '', ipv4PrefixLength: 24, ipv6PrefixLength: 0, gateways: [] },
        ],
      };
      const findings: Finding[] = [];
      expect(chooseAddress(f, undefined, undefined, {}, findings)).to.deep.equal({ address: '10.0.9.9', network: 'bbb' });
      expect(findings).to.deep.equal([]);
    });

    it('skips a container with no network address at all', () => {
      const f: ContainerFacts = { ...threeNetworks(), networkMode: 'none', networks: [] };
      const choice = chooseAddress(f, undefined, undefined, {}, []);
      expect('skip' in choice && choice.skip.code).to.equal('no-address');
    });
  });

  describe('IPv6', () => {
    it('prefers IPv4 on a dual-stack network', () => {
      expect(chooseAddress(facts('ipv6'), undefined, undefined, {}, [])).to.deep.equal({
        address: '10.201.6.2',
        network: 'fixture-rec-v6',
      });
    });

    it('uses the IPv6 address of a dual-stack network with --ip-family ipv6', () => {
      expect(chooseAddress(facts('ipv6'), undefined, undefined, { ipFamily: 'ipv6' }, [])).to.deep.equal({
        address: 'fd00:201:6::2',
        network: 'fixture-rec-v6',
      });
    });

    it('lets SERVICE_IP_FAMILY (6, ipv6, 4, ipv4) beat --ip-family', () => {
      const six = planContainer(withSettings(facts('ipv6'), { SERVICE_IP_FAMILY: '6' }), options()).registrations[0]!;
      expect(six.Address).to.equal('fd00:201:6::2');
      expect(six.Meta).to.not.have.property('ip_family');
      expect(planContainer(withSettings(facts('ipv6'), { SERVICE_IP_FAMILY: 'IPv6' }), options()).registrations[0]!.Address).to.equal(
        'fd00:201:6::2',
      );
      expect(
        planContainer(withSettings(facts('ipv6'), { SERVICE_IP_FAMILY: 'ipv4' }), options({ ipFamily: 'ipv6' })).registrations[0]!.Address,
      ).to.equal('10.201.6.2');
    });

    it('warns about a SERVICE_IP_FAMILY that is not 4, 6, ipv4 or ipv6 and keeps --ip-family', () => {
      for (const value of ['v7', 'constructor']) {
        const plan = planContainer(withSettings(facts('ipv6'), { SERVICE_IP_FAMILY: value }), options({ ipFamily: 'ipv6' }));
        expect(plan.registrations[0]!.Address).to.equal('fd00:201:6::2');
        expect(plan.findings).to.have.length(1);
        expect(plan.findings[0]).to.include({ code: 'ip-family-unknown', label: 'SERVICE_IP_FAMILY' });
      }
    });

    it('falls back to IPv4 with --ip-family ipv6 on a network without IPv6', () => {
      expect(chooseAddress(facts('user-network'), undefined, undefined, { ipFamily: 'ipv6' }, [])).to.deep.equal({
        address: '10.201.1.2',
        network: 'fixture-rec-a',
      });
    });

    it('uses the global IPv6 address of an IPv6-only network', () => {
      expect(chooseAddress(ipv6Only(), undefined, undefined, {}, [])).to.deep.equal({
        address: 'fd00:201:6::2',
        network: 'fixture-rec-v6',
      });
    });

    it('brackets the IPv6 address in HTTP(S) check URLs and TCP and gRPC targets, but not in Address', () => {
      const f = withSettings(ipv6Only(), {
        SERVICE_CHECK_HTTP: '/health',
        SERVICE_CHECK_HTTPS: '/secure',
        SERVICE_CHECK_TCP: 'true',
        SERVICE_CHECK_GRPC: 'true',
      });
      const reg = planContainer(f, options()).registrations[0]!;
      expect(reg.Address).to.equal('fd00:201:6::2');
      expect(reg.Port).to.equal(443);
      expect(reg.Checks.map((c) => c.HTTP ?? c.TCP ?? c.GRPC)).to.deep.equal([
        'http://[fd00:201:6::2]:443/health',
        'https://[fd00:201:6::2]:443/secure',
        '[fd00:201:6::2]:443',
        '[fd00:201:6::2]:443',
      ]);
    });
  });
});

describe('model/address: hostPort', () => {
  it('writes IPv4 and names as host:port', () => {
    expect(hostPort('10.0.0.1', 80)).to.equal('10.0.0.1:80');
    expect(hostPort('example.internal', 80)).to.equal('example.internal:80');
  });

  it('brackets IPv6 addresses', () => {
    expect(hostPort('::1', 8080)).to.equal('[::1]:8080');
    expect(hostPort('fd00:201:6::2', 443)).to.equal('[fd00:201:6::2]:443');
  });
});

describe('model/address: SERVICE_IP may not name the Docker host or the edges of a subnet', () => {
  // two-networks: 10.201.1.3/24 (gateway 10.201.1.1) and 10.201.2.2/24 (gateway 10.201.2.1); ipv6: fd00:201:6::2/64, gateway fd00:201:6::1.
  for (const [fixture, ip] of [
    ['two-networks', '10.201.1.1'],
    ['two-networks', '10.201.2.1'],
    ['two-networks', '10.201.1.0'],
    ['two-networks', '10.201.1.255'],
    ['ipv6', 'fd00:201:6::1'],
  ] as const) {
    it(`refuses ${ip} (${fixture}) and registers the container's own address`, () => {
      const findings: Finding[] = [];
      const choice = chooseAddress(facts(fixture), ip, undefined, {}, findings);
      expect(choice).to.not.deep.include({ address: ip });
      expect(codes(findings)).to.include('service-ip-refused');
    });
  }

  it('still takes another address of the subnet', () => {
    expect(chooseAddress(facts('two-networks'), '10.201.1.200', undefined, {}, [])).to.deep.equal({
      address: '10.201.1.200',
      network: 'SERVICE_IP',
    });
  });
});
