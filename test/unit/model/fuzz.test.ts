import { expect } from 'chai';
import fc from 'fast-check';
import { factsFromInspect } from '../../../src/docker/facts.js';
import type { ContainerFacts, PortFact } from '../../../src/model/facts.js';
import { planContainer, type PlanOptions } from '../../../src/model/plan.js';
import type { CheckDefinition } from '../../../src/model/registration.js';
import { aimed, settings } from '../../support/label-arbitrary.js';
import { forkDifferences } from '../../../src/model/fork-view.js';
import { registratorDifferences } from '../../../src/model/registrator-view.js';
import { formatPlan, planJson } from '../../../src/plan-report.js';
import { facts, inspect, options, type FixtureName } from '../support/fixtures.js';

const RUNS = 300;
const DNS_NAME = /^[a-zA-Z0-9-]{1,63}$/;
const DURATION_FIELDS = ['Interval', 'Timeout', 'TTL', 'DeregisterCriticalServiceAfter'] as const;

// ---- An independent model of Go's time.ParseDuration (Consul parses check durations with it). ----
const NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  μs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const LIMIT = 1n << 63n;
type GoDuration = { syntax: true; ns: bigint | 'overflow' } | { syntax: false };

function goParseDuration(text: string): GoDuration {
  let s = text;
  let negative = false;
  if (s[0] === '-' || s[0] === '+') {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return { syntax: true, ns: 0n };
  if (s === '') return { syntax: false };
  let total = 0n;
  let overflow = false;
  while (s !== '') {
    const whole = /^[0-9]*/.exec(s)![0];
    s = s.slice(whole.length);
    let fraction = '';
    if (s[0] === '.') {
      fraction = /^[0-9]*/.exec(s.slice(1))![0];
      s = s.slice(1 + fraction.length);
    }
    if (whole === '' && fraction === '') return { syntax: false };
    const unitText = /^[^0-9.]*/.exec(s)![0];
    s = s.slice(unitText.length);
    const unit = NS[unitText];
    if (unit === undefined) return { syntax: false };
    const v = BigInt(whole || '0');
    if (v > LIMIT / unit) overflow = true;
    const part = v * unit + (fraction === '' ? 0n : (BigInt(fraction) * unit) / 10n ** BigInt(fraction.length));
    total += part;
    if (total > LIMIT) overflow = true;
  }
  if (!negative && total > LIMIT - 1n) overflow = true;
  return { syntax: true, ns: overflow ? 'overflow' : negative ? -total : total };
}

describe('model-fuzz: the Go duration model used below', () => {
  it('agrees with Go on a few known cases', () => {
    expect(goParseDuration('1m30s')).to.deep.equal({ syntax: true, ns: 90_000_000_000n });
    expect(goParseDuration('1.5h')).to.deep.equal({ syntax: true, ns: 5_400_000_000_000n });
    expect(goParseDuration('0')).to.deep.equal({ syntax: true, ns: 0n });
    expect(goParseDuration('2562047h')).to.deep.equal({ syntax: true, ns: 2_562_047n * 3_600_000_000_000n });
    expect(goParseDuration('2562048h')).to.deep.equal({ syntax: true, ns: 'overflow' });
    for (const bad of ['', '10', 's', '1d', '1 s', '.s']) expect(goParseDuration(bad)).to.deep.equal({ syntax: false });
  });
});

// Random SERVICE_* label and env sets are shared with the real-container fuzz test.
const FIXTURES: (FixtureName | 'ipv6-only')[] = [
  'default-bridge',
  'user-network',
  'two-networks',
  'host-mode',
  'no-expose',
  'ipv6',
  'shared-netns',
  'ipv6-only',
];
function loadFacts(name: FixtureName | 'ipv6-only'): ContainerFacts {
  if (name !== 'ipv6-only') return facts(name);
  // IPv6-only: the recorded ipv6 fixture with its IPv4 address blanked in a copy.
  const info = inspect('ipv6');
  for (const n of Object.values(info.NetworkSettings.Networks)) n.IPAddress = '';
  return factsFromInspect(info);
}
// Read once: planContainer does not change the facts it is given.
const BASE = new Map(FIXTURES.map((name) => [name, loadFacts(name)]));
const baseFacts = (name: FixtureName | 'ipv6-only'): ContainerFacts => structuredClone(BASE.get(name)!);
const exposed: fc.Arbitrary<PortFact[]> = fc.uniqueArray(
  fc.record({ port: fc.integer({ min: 1, max: 65535 }), protocol: fc.constantFrom('tcp' as const, 'udp' as const, 'sctp' as const) }),
  { minLength: 1, maxLength: 4, selector: (p) => `${p.port}/${p.protocol}` },
);
const container: fc.Arbitrary<ContainerFacts> = fc
  .record({
    fixture: fc.constantFrom(...FIXTURES),
    labels: fc.tuple(aimed, settings).map(([a, rest]) => ({ ...a, ...rest })),
    env: settings,
    ports: fc.option(exposed, { freq: 3 }),
    image: fc.option(
      fc.oneof(fc.constantFrom('redis:7', 'reg.example:5000/a/b_c:1@sha256:ab', 'UPPER/Case.Name', ''), fc.string({ maxLength: 15 })),
    ),
    paused: fc.boolean(),
    health: fc.option(
      fc.record({
        status: fc.constantFrom('starting', 'healthy', 'unhealthy'),
        output: fc.string({ maxLength: 20 }),
        // Docker's Interval in ns turned into ms: any positive value, fractions included.
        intervalMs: fc.oneof(fc.integer({ min: 1, max: 3_600_000 }), fc.double({ min: 0.001, max: 100_000, noNaN: true })),
      }),
    ),
  })
  .map(({ fixture, labels, env, ports, image, paused, health }) => {
    const base = baseFacts(fixture);
    return {
      ...base,
      labels: { ...labels, 'com.example.other': 'x' },
      env: { ...env, PATH: '/bin' },
      exposedPorts: ports ?? base.exposedPorts,
      image: image ?? base.image,
      paused,
      ...(health ? { health } : {}),
    };
  });
const planOptions: fc.Arbitrary<PlanOptions> = fc
  .record(
    {
      hostId: fc.constantFrom('host1', 'node-7.example'),
      explicit: fc.constantFrom(false, false, false, true),
      tags: fc.array(fc.constantFrom('a', 'b', 'prod', ' x '), { maxLength: 3 }),
      network: fc.constantFrom('fixture-rec-a', 'fixture-rec-b', 'bridge', 'other'),
      hostIp: fc.constantFrom('192.0.2.10', 'fd00::10'),
      maxServices: fc.constantFrom(64, 2),
      metaFromEnv: fc.boolean(),
      anyServiceIp: fc.boolean(),
      scriptChecks: fc.boolean(),
      dockerHealth: fc.boolean(),
      registrarServiceId: fc.constantFrom('consul-registrar:host1'),
    },
    { requiredKeys: ['hostId', 'explicit', 'tags', 'scriptChecks', 'dockerHealth', 'maxServices', 'metaFromEnv'] },
  )
  .map((chosen) => options(chosen));

const durationsOf = (checks: CheckDefinition[]) =>
  checks.flatMap((c) => DURATION_FIELDS.filter((f) => c[f] !== undefined).map((f) => ({ check: c.CheckID, field: f, value: c[f]! })));

describe('model-fuzz: random SERVICE_* labels and env through planContainer', function () {
  this.timeout(20_000); // ~300 runs take well under a second, but leave room on a loaded machine
  it('never throws, and every registration has a DNS-safe name, a real port, an ID and ownership Meta', () => {
    fc.assert(
      fc.property(container, planOptions, (f, o) => {
        const plan = planContainer(f, o);
        expect(plan.containerId).to.equal(f.id);
        if (plan.registrations.length === 0)
          expect(plan.skipped?.code, 'a reason for registering nothing').to.be.a('string').and.not.equal('');
        else expect(plan.skipped).to.equal(undefined);
        expect(new Set(plan.registrations.map((r) => r.ID)).size, 'IDs are distinct').to.equal(plan.registrations.length);
        for (const r of plan.registrations) {
          expect(r.Name).to.match(DNS_NAME);
          expect(Number.isInteger(r.Port) && r.Port >= 1 && r.Port <= 65535, `port ${r.Port}`).to.equal(true);
          expect(r.ID).to.be.a('string');
          expect(r.ID.trim()).to.not.equal('');
          expect(r.Address).to.not.equal('');
          expect(r.Meta.registrar_host).to.equal(o.hostId);
          expect(r.Meta.registrar_container).to.equal(f.id);
          expect(Object.keys(r.Meta).length).to.be.at.most(63);
          for (const d of durationsOf(r.Checks)) {
            expect(goParseDuration(d.value).syntax, `${d.check} ${d.field} "${d.value}" is in Go's duration syntax`).to.equal(true);
          }
        }
        // An alias follows a primary of the same plan, at its address and port, and is never Connect.
        for (const r of plan.registrations.filter((s) => s.ID.includes(':alias:') && s.Checks[0]?.AliasService !== undefined)) {
          const primary = plan.registrations.find((p) => p.ID === r.Checks[0]!.AliasService);
          expect(primary, `the primary of ${r.ID}`).to.not.equal(undefined);
          expect(r.ID).to.equal(`${primary!.ID}:alias:${r.Name.toLowerCase()}`);
          expect([r.Address, r.Port, r.Kind, r.Connect]).to.deep.equal([primary!.Address, primary!.Port, undefined, undefined]);
        }
        const services = plan.registrations.filter((r) => r.Kind === undefined).length;
        expect(services, '--max-services').to.be.at.most(o.maxServices);
      }),
      { numRuns: RUNS },
    );
  });

  it("sends only durations Consul accepts: within Go's time.Duration range, Interval and TTL above zero", () => {
    fc.assert(
      fc.property(container, planOptions, (f, o) => {
        const plan = planContainer(f, o);
        for (const r of plan.registrations) {
          for (const d of durationsOf(r.Checks)) {
            const parsed = goParseDuration(d.value);
            expect(parsed.syntax && parsed.ns !== 'overflow', `${d.check} ${d.field} "${d.value}" fits a Go time.Duration`).to.equal(true);
            if ((d.field === 'Interval' || d.field === 'TTL') && parsed.syntax) {
              expect((parsed.ns as bigint) > 0n, `${d.check} ${d.field} "${d.value}" is above zero`).to.equal(true);
            }
          }
        }
      }),
      { numRuns: RUNS },
    );
  });
  it('gives each job a TTL check of one of its registrations, and no jobs when paused or registering nothing', () => {
    fc.assert(
      fc.property(container, planOptions, (f, o) => {
        const plan = planContainer(f, o);
        if (f.paused || plan.registrations.length === 0) expect(plan.jobs).to.deep.equal([]);
        const ttlChecks = new Set(plan.registrations.flatMap((r) => r.Checks.filter((c) => c.TTL !== undefined).map((c) => c.CheckID)));
        expect(new Set(plan.jobs.map((j) => j.checkId)).size, 'one job per check').to.equal(plan.jobs.length);
        for (const job of plan.jobs) {
          expect(ttlChecks.has(job.checkId), `${job.checkId} is a TTL check of the plan`).to.equal(true);
          expect(job.containerId).to.equal(f.id);
          expect(job.pid).to.equal(f.pid);
          if (job.kind === 'script') expect(o.scriptChecks).to.equal(true);
          else expect(o.dockerHealth && f.health !== undefined).to.equal(true);
          expect(job.intervalMs, `${job.checkId} interval`).to.be.greaterThan(0);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('model-fuzz: random labels (port ranges, per-protocol keys, templates, weights, tagged addresses) through plan', function () {
  this.timeout(20_000);
  it('never throws: the plan, both comparisons and both reports, every difference one printable line', () => {
    fc.assert(
      fc.property(container, planOptions, (f, o) => {
        const plan = planContainer(f, o);
        expect(plan.skipped?.code, 'the guard in planContainer is never needed').to.not.equal('plan-failed');
        const views = { explicit: o.explicit, tags: o.tags };
        const extras = {
          differences: new Map([[f.id, registratorDifferences(f, plan, views)]]),
          forkDifferences: new Map([[f.id, forkDifferences(f, plan, views)]]),
          replacing: false,
        };
        for (const line of [...extras.differences.get(f.id)!, ...extras.forkDifferences.get(f.id)!]) {
          expect(line).to.match(/^port \d+: /);
        }
        const text = formatPlan([plan], undefined, extras);
        expect(
          text.split('\n').every((l) => !/[\u0000-\u001f]/.test(l)),
          'no control character reaches the terminal',
        ).to.equal(true);
        const json = JSON.parse(planJson([plan], undefined, extras)) as { containers: { forkDifferences: string[] }[] };
        expect(json.containers[0]!.forkDifferences).to.deep.equal(extras.forkDifferences.get(f.id));
      }),
      { numRuns: RUNS },
    );
  });
});
