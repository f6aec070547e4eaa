// Values nobody writes on purpose: IP literals with zone IDs, label keys that only Unicode case
// rules make SERVICE_* keys, the host's own addresses, cloud metadata, facts that make a parser
// throw. Each costs the container at most its own registration, with a warning, and never throws.
import { expect } from 'chai';
import { codes } from '../support/findings.js';
import type { Finding } from '../../../src/model/findings.js';
import { readConfig, toSettings } from '../../../src/config.js';
import { chooseAddress, ipLiteral, METADATA_ADDRESSES } from '../../../src/model/address.js';
import type { ContainerFacts } from '../../../src/model/facts.js';
import { planContainer } from '../../../src/model/plan.js';
import { readSettings } from '../../../src/model/settings.js';
import { facts, options, withSettings } from '../support/fixtures.js';

// user-network: 6379/tcp at 10.201.1.2/24 on fixture-rec-a, gateway 10.201.1.1.
const OWN = '10.201.1.2';
const onePort = (labels: Record<string, string>, env: Record<string, string> = {}) => withSettings(facts('user-network'), labels, env);

describe('odd values: IP literals with zone IDs', () => {
  it('are not IP addresses to the registrar, whatever node:net isIP says', () => {
    for (const ip of [`::ffff:${OWN}%0`, 'fe80::1%eth0', 'fd00::5%1', `${OWN}%0`]) expect(ipLiteral(ip), ip).to.equal(0);
    expect(ipLiteral(OWN)).to.equal(4);
    expect(ipLiteral('fd00::5')).to.equal(6);
  });

  for (const ip of [`::ffff:${OWN}%0`, `::ffff:10.201.1.7%eth0`, 'fe80::1%eth0']) {
    it(`SERVICE_IP ${ip} with SERVICE_CHECK_HTTP=/ plans the container's own address, with its HTTP check, and a warning`, () => {
      for (const anyServiceIp of [false, true]) {
        const plan = planContainer(onePort({ SERVICE_IP: ip, SERVICE_CHECK_HTTP: '/' }), options({ anyServiceIp }));
        expect(plan.registrations.map((r) => r.Address)).to.deep.equal([OWN]);
        expect(plan.registrations[0]!.Checks.map((c) => c.HTTP)).to.include(`http://${OWN}:6379/`);
        expect(codes(plan.findings)).to.include('service-ip-refused');
      }
    });
  }

  it('--ip-from-label with a zone ID (prefix length or not) is refused the same way', () => {
    for (const value of ['fe80::1%eth0/64', `::ffff:${OWN}%0`]) {
      const plan = planContainer(onePort({ 'lan.ip': value, SERVICE_CHECK_HTTP: '/' }), options({ ipFromLabel: 'lan.ip' }));
      expect(plan.registrations.map((r) => r.Address)).to.deep.equal([OWN]);
    }
  });
});

describe('odd values: --host-ip', () => {
  it('takes an IP address and refuses one with a zone ID at start', () => {
    const hostIp = (value: string) => toSettings(readConfig(['--host-ip', value], {}).values).hostIp;
    expect(hostIp(' 192.0.2.7 ')).to.equal('192.0.2.7');
    for (const bad of ['fe80::1%eth0', '::ffff:192.0.2.7%0', 'host.example']) expect(() => hostIp(bad), bad).to.throw(/--host-ip/);
  });
});

describe('odd values: planning never throws', () => {
  it('a fact that makes a parser throw costs only that container its plan, with one warning naming its SERVICE_* settings', () => {
    // An address no BlockList takes, as a broken engine could report it.
    const broken: ContainerFacts = {
      ...onePort({ SERVICE_IP: '10.201.1.9', SERVICE_NAME: 'x' }),
      networks: [{ name: 'n', ipv4: 'not-an-ip', ipv6: '', ipv4PrefixLength: 24, ipv6PrefixLength: 0, gateways: [] }],
    };
    const plan = planContainer(broken, options());
    expect(plan.registrations).to.deep.equal([]);
    expect(plan.skipped?.code).to.equal('plan-failed');
    expect(plan.skipped!.text).to.include('SERVICE_IP').and.include('SERVICE_NAME');
    expect(plan.findings).to.deep.equal([]);
    // Another container, planned with the same options, is untouched.
    expect(planContainer(onePort({ SERVICE_NAME: 'web' }), options()).registrations.map((r) => r.Name)).to.deep.equal(['web']);
  });
});

describe('odd values: label keys are matched in ASCII only', () => {
  it('does not read "ſERVICE_NAME" (long s) as SERVICE_NAME', () => {
    expect([...readSettings({}, { ſERVICE_NAME: 'x' }).common.keys()]).to.deep.equal([]);
    const plan = planContainer(onePort({ ſERVICE_NAME: 'vault' }), options());
    expect(plan.registrations.map((r) => r.Name)).to.not.include('vault');
  });

  it('does not read "SERVICE_CHEC\\u212A_SCRIPT" (Kelvin sign) as SERVICE_CHECK_SCRIPT, per port neither', () => {
    const labels = { 'SERVICE_CHEC\u212A_SCRIPT': 'id', 'SERVICE_6379_CHEC\u212A_SCRIPT': 'id' };
    const settings = readSettings({}, labels);
    expect(settings.common.has('check_script')).to.equal(false);
    expect(settings.perPort.get(6379)?.has('check_script') ?? false).to.equal(false);
    const plan = planContainer(onePort(labels), options({ scriptChecks: true }));
    expect(plan.jobs).to.deep.equal([]);
    expect(plan.registrations[0]!.Checks.filter((c) => c.TTL !== undefined)).to.deep.equal([]);
  });

  it('still reads SERVICE_* keys in any ASCII case', () => {
    expect(readSettings({}, { service_name: 'a', Service_80_Check_Tcp: 'true' }).common.get('name')).to.equal('a');
    expect(readSettings({}, { Service_80_Check_Tcp: 'true' }).perPort.get(80)?.get('check_tcp')).to.equal('true');
  });
});

describe("odd values: the host's own addresses are never SERVICE_IP", () => {
  // A macvlan network: the host's LAN address 10.201.1.50 lies inside the container's subnet.
  const hostAddresses = ['127.0.0.1', '10.201.1.50', 'fd00:201:6::50', '192.0.2.1'];

  it('refuses every address of every host interface, inside the subnet and with --allow-any-service-ip', () => {
    for (const anyServiceIp of [false, true]) {
      for (const ip of ['10.201.1.50', '::ffff:10.201.1.50', '192.0.2.1']) {
        const findings: Finding[] = [];
        expect(chooseAddress(facts('user-network'), ip, undefined, { hostAddresses, anyServiceIp }, findings), ip).to.deep.equal({
          address: OWN,
          network: 'fixture-rec-a',
        });
        expect(findings).to.have.length(1);
      }
    }
  });

  it('refuses --host-ip though it lies inside the bridge subnet', () => {
    const plan = planContainer(onePort({ SERVICE_IP: '10.201.1.77' }), options({ hostIp: '10.201.1.77' }));
    expect(plan.registrations.map((r) => r.Address)).to.deep.equal([OWN]);
    expect(planContainer(onePort({ SERVICE_IP: '10.201.1.78' }), options({ hostIp: '10.201.1.77' })).registrations[0]!.Address).to.equal(
      '10.201.1.78',
    );
  });

  it("lets a host-network container name any of the host's addresses (it has them all)", () => {
    expect(chooseAddress(facts('host-mode'), '10.201.1.50', undefined, { hostAddresses, hostIp: '192.0.2.1' }, [])).to.deep.equal({
      address: '10.201.1.50',
      network: 'SERVICE_IP',
    });
  });
});

describe('odd values: cloud metadata addresses, even with --allow-any-service-ip', () => {
  for (const ip of [...METADATA_ADDRESSES, '169.254.169.254', '::ffff:100.100.100.200', 'fd00:0ec2:0::254']) {
    it(`never registers SERVICE_IP ${ip}`, () => {
      const findings: Finding[] = [];
      expect(chooseAddress(facts('user-network'), ip, undefined, { anyServiceIp: true }, findings)).to.deep.equal({
        address: OWN,
        network: 'fixture-rec-a',
      });
      expect(findings).to.have.length(1);
    });
  }
  it('lists fd00:ec2::254 and 100.100.100.200', () => {
    expect(METADATA_ADDRESSES).to.include('fd00:ec2::254').and.include('100.100.100.200');
  });
});

describe('odd values: --ip-from-label over image ENV', () => {
  const other = '10.201.1.200';
  it("the operator's label wins over an image ENV SERVICE_IP, a SERVICE_IP label over both", () => {
    const o = options({ ipFromLabel: 'lan.ip' });
    expect(planContainer(onePort({ 'lan.ip': `${other}/24` }, { SERVICE_IP: '10.201.1.9' }), o).registrations[0]!.Address).to.equal(other);
    expect(planContainer(onePort({}, { SERVICE_IP: '10.201.1.9' }), o).registrations[0]!.Address).to.equal('10.201.1.9');
    expect(
      planContainer(onePort({ 'lan.ip': other, SERVICE_IP: '10.201.1.8' }, { SERVICE_IP: '10.201.1.9' }), o).registrations[0]!.Address,
    ).to.equal('10.201.1.8');
  });
});
