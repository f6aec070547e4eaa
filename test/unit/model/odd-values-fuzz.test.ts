// Planning never throws, whatever the labels: random SERVICE_* labels with odd addresses (zone IDs,
// IPv4-mapped, metadata, the host's own), keys only Unicode case rules would read, and every
// option that adds a parser (name policy, --ip-from-label, Connect). The guard in planContainer
// turns a throw into a skip; here it must never be needed.
import { expect } from 'chai';
import fc from 'fast-check';
import type { ContainerFacts } from '../../../src/model/facts.js';
import { parseNamePolicy } from '../../../src/model/name-policy.js';
import { planContainer, type PlanOptions } from '../../../src/model/plan.js';
import { aimed, settings } from '../../support/label-arbitrary.js';
import { facts, options, type FixtureName } from '../support/fixtures.js';

const RUNS = 150;
const GUARD = 'plan-failed';
const FIXTURES: FixtureName[] = ['default-bridge', 'user-network', 'two-networks', 'host-mode', 'ipv6', 'shared-netns'];
const BASE = new Map(FIXTURES.map((name) => [name, facts(name)]));

const address = fc.oneof(
  fc.constantFrom(
    '::ffff:10.201.1.2%0',
    'fe80::1%eth0',
    '10.201.1.2%0',
    '%',
    '::ffff:10.201.1.2',
    '::ffff:a9fe:a9fe',
    'fd00:ec2::254',
    '100.100.100.200',
    '10.201.1.50',
    '172.17.0.1',
    '[::1]',
    '10.201.1.2/24',
    '10.201.1.2/99',
    'fd00:201:6::5%',
    '1.2.3.4:80',
  ),
  fc.ipV4().map((ip) => `${ip}%${'x'}`),
  fc.ipV6(),
  fc.tuple(fc.ipV6(), fc.string({ maxLength: 6 })).map(([ip, zone]) => `${ip}%${zone}`),
  fc.string({ maxLength: 16 }),
);
const oddKey = fc.constantFrom('ſERVICE_NAME', 'SERVICE_CHEC\u212A_SCRIPT', 'SERVICE_\u0130P', 'service_ip', 'SERVİCE_IP', 'SERVICE_80_İD');
const labels = fc
  .tuple(aimed, settings, fc.dictionary(oddKey, fc.string({ maxLength: 10 }), { maxKeys: 3 }), fc.option(address), fc.option(address))
  .map(([a, rest, odd, ip, fromLabel]) => ({
    ...a,
    ...rest,
    ...odd,
    ...(ip === null ? {} : { SERVICE_IP: ip }),
    ...(fromLabel === null ? {} : { 'lan.ip': fromLabel }),
  }));
const container: fc.Arbitrary<ContainerFacts> = fc
  .record({ fixture: fc.constantFrom(...FIXTURES), labels, env: settings, envIp: fc.option(address) })
  .map(({ fixture, labels, env, envIp }) => ({
    ...structuredClone(BASE.get(fixture)!),
    labels,
    env: { ...env, ...(envIp === null ? {} : { SERVICE_IP: envIp }) },
  }));

const POLICY = parseNamePolicy(
  JSON.stringify({
    rules: [
      { names: ['web', 'vault'], containers: { label: 'team=a' } },
      { tags: ['traefik.*', 'urlprefix-*'], containers: { image: 'edge/*' } },
    ],
  }),
);
const planOptions: fc.Arbitrary<PlanOptions> = fc
  .record({
    anyServiceIp: fc.boolean(),
    scriptChecks: fc.boolean(),
    policy: fc.boolean(),
    ipFromLabel: fc.boolean(),
    connect: fc.boolean(),
    hostIp: fc.constantFrom('192.0.2.10', '10.201.1.50', 'fd00::10', '::ffff:10.0.0.1'),
  })
  .map((o) =>
    options({
      anyServiceIp: o.anyServiceIp,
      scriptChecks: o.scriptChecks,
      hostIp: o.hostIp,
      hostAddresses: ['127.0.0.1', '10.201.1.50', 'fe80::1', 'fd00:201:6::50', 'not-an-ip', 'fe80::2%eth0'],
      ...(o.policy ? { namePolicy: POLICY } : {}),
      ...(o.ipFromLabel ? { ipFromLabel: 'lan.ip' } : {}),
      ...(o.connect ? { connect: { enabled: true } } : {}),
    }),
  );

describe('odd values fuzz: random labels with odd addresses and keys through planContainer', function () {
  this.timeout(20_000);
  it('never needs the guard, registers no zone ID and no host or metadata address, and reads no Unicode-cased key', () => {
    fc.assert(
      fc.property(container, planOptions, (f, o) => {
        const plan = planContainer(f, o);
        expect(plan.skipped?.code, plan.skipped?.text).to.not.equal(GUARD);
        for (const r of plan.registrations) {
          expect(r.Address).to.not.include('%');
          if (f.networkMode !== 'host') expect(['10.201.1.50', '127.0.0.1', 'fd00:ec2::254', '100.100.100.200']).to.not.include(r.Address);
          for (const c of r.Checks) if (c.HTTP !== undefined) expect(URL.canParse(c.HTTP), c.HTTP).to.equal(true);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
