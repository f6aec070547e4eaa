// The shapes of service ID only the registrar makes: no label may ask for another container's
// default ID or for an ID the registrar derives, whatever its case, so whoever starts first cannot
// take one.
import { expect } from 'chai';
import fc from 'fast-check';
import type { ContainerFacts } from '../../../src/model/facts.js';
import { planContainer } from '../../../src/model/plan.js';
import { isDefaultIdOf, reservedIdProblem } from '../../../src/model/reserved-ids.js';
import { facts, options, withSettings } from '../support/fixtures.js';

const HOST = 'host1';
// user-network: one exposed port (6379/tcp); default-bridge: 53/udp, 80/tcp and 8080/tcp.
const container = (name: string, ports: 'one' | 'three', labels: Record<string, string> = {}): ContainerFacts => ({
  ...withSettings(facts(ports === 'one' ? 'user-network' : 'default-bridge'), labels),
  name,
});
const connect = { enabled: true };

describe('model/reserved-ids: IDs no label may ask for', () => {
  describe('reservedIdProblem', () => {
    for (const id of [
      'host1:payments:8080',
      'HOST1:Payments:8080',
      'host1:payments:53:udp',
      'host1:payments:8080-sidecar-proxy',
      'host1:payments:8080:alias:www',
      'host1:x',
    ]) {
      it(`refuses ${JSON.stringify(id)}, in the namespace of this host's default IDs`, () => {
        const problem = reservedIdProblem(id, HOST);
        expect(problem).to.be.a('string').and.include('"host1:"');
      });
    }

    it('names the container whose default ID the label would take', () => {
      expect(reservedIdProblem('host1:payments:8080', HOST)).to.include('"payments"');
    });

    for (const id of [
      'payments-sidecar-proxy',
      'payments-SIDECAR-PROXY',
      'payments:8080',
      'payments:53:udp',
      'x:sctp',
      'a:UDP',
      'web:alias:www',
      'web:ALIAS:Web-2',
    ]) {
      it(`refuses ${JSON.stringify(id)}, which ends as the IDs the registrar derives`, () => {
        expect(reservedIdProblem(id, HOST)).to.be.a('string').and.include('ends in');
      });
    }

    for (const id of [
      'payments-1',
      'redis',
      'web.v2',
      'api:v2',
      'host1-payments',
      'host10:x',
      'sidecar-proxy',
      'x:123456',
      'udp',
      'alias',
      'web:alias',
      'web-alias-www',
    ]) {
      it(`lets a label ask for ${JSON.stringify(id)}`, () => {
        expect(reservedIdProblem(id, HOST)).to.equal(undefined);
      });
    }
  });

  describe('isDefaultIdOf', () => {
    it("recognises the container's own default IDs and their sidecars, in any case", () => {
      for (const id of [
        'host1:payments:8080',
        'HOST1:Payments:8080',
        'host1:payments:53:udp',
        'host1:payments:8080-sidecar-proxy',
        'host1:payments:53:udp:alias:www',
      ]) {
        expect(isDefaultIdOf(id, HOST, 'payments'), id).to.equal(true);
      }
    });

    it("does not take another container's, another host's, or another shape for its own", () => {
      for (const id of [
        'host1:payments-2:8080',
        'host2:payments:8080',
        'host1:payments:8080:extra',
        'host1:payments:web',
        'host1:payments:8080:alias:',
        'host1:payments:8080-sidecar-proxy:alias:www',
        'payments:8080',
      ]) {
        expect(isDefaultIdOf(id, HOST, 'payments'), id).to.equal(false);
      }
    });
  });

  describe('as planContainer applies it', () => {
    it("registers a container that asks for another's default ID under its own, with one warning naming the label and the other container", () => {
      const plan = planContainer(container('evil', 'one', { SERVICE_ID: 'host1:payments:6379' }), options());
      expect(plan.registrations.map((r) => r.ID)).to.deep.equal(['host1:evil:6379']);
      expect(plan.findings).to.have.length(1);
      expect(plan.findings[0]).to.include({ code: 'service-id-reserved', label: 'SERVICE_ID', port: '6379' });
    });

    it('does the same for SERVICE_<port>_ID and a sidecar-shaped ID, and registers its other ports as asked', () => {
      const plan = planContainer(
        container('evil', 'three', { SERVICE_80_ID: 'host1:payments:8080-sidecar-proxy', SERVICE_8080_ID: 'mine' }),
        options(),
      );
      expect(plan.registrations.map((r) => r.ID).sort()).to.deep.equal(['host1:evil:53:udp', 'host1:evil:80', 'mine']);
      expect(plan.findings).to.have.length(1);
      expect(plan.findings[0]).to.include({ code: 'service-id-reserved', label: 'SERVICE_80_ID', port: '80' });
    });

    it('refuses a SERVICE_ID shaped as an alias of another service, and registers under the default', () => {
      const plan = planContainer(container('evil', 'one', { SERVICE_ID: 'cache:alias:www' }), options());
      expect(plan.registrations.map((r) => r.ID)).to.deep.equal(['host1:evil:6379']);
      expect(plan.findings.map((f) => f.code)).to.deep.equal(['service-id-reserved']);
    });

    it('lets a container name its own default ID, in any case, without a warning', () => {
      const plan = planContainer(container('self', 'one', { SERVICE_ID: 'HOST1:self:6379' }), options());
      expect(plan.registrations.map((r) => r.ID)).to.deep.equal(['host1:self:6379']);
      expect(plan.findings).to.deep.equal([]);
    });

    it('still appends the port to a shared SERVICE_ID itself (the derived ending is the registrar’s, not the label’s)', () => {
      const plan = planContainer(container('web', 'three', { SERVICE_ID: 'web' }), options());
      expect(plan.registrations.map((r) => r.ID)).to.deep.equal(['web:53:udp', 'web:80', 'web:8080']);
      expect(plan.findings).to.deep.equal([]);
    });

    it("never gives one container's labels an ID the registrar made for another (property)", () => {
      // Values shaped as the IDs the registrar makes, in any case, or stitched from their pieces.
      const value = (victim: string, base: string): fc.Arbitrary<string> => {
        const either = (text: string) => fc.constantFrom(text, text.toUpperCase());
        const port = fc.constantFrom('6379', '80', '8080', '53');
        const defaultShaped = fc
          .tuple(
            either(HOST),
            either(victim),
            port,
            fc.constantFrom('', ':udp', ':UDP'),
            fc.constantFrom('', '-sidecar-proxy', ':alias:www'),
          )
          .map(([h, v, p, proto, sidecar]) => `${h}:${v}:${p}${proto}${sidecar}`);
        const derivedShaped = fc
          .tuple(
            either(base),
            fc.constantFrom(':6379', ':80', ':8080', ':53:udp', '-sidecar-proxy', '-SIDECAR-PROXY', ':alias:www', ':ALIAS:WWW'),
          )
          .map(([b, end]) => `${b}${end}`);
        const pieces = fc
          .tuple(
            fc.array(fc.constantFrom(HOST, victim, base, 'evil', '8080', '53', 'udp', 'sidecar-proxy', 'alias', 'www', 'x'), {
              minLength: 1,
              maxLength: 5,
            }),
            fc.array(fc.constantFrom(':', '-', ''), { minLength: 4, maxLength: 4 }),
          )
          .map(([parts, seps]) => parts.reduce((id, part, i) => `${id}${seps[i - 1]}${part}`));
        return fc.oneof(defaultShaped, derivedShaped, pieces);
      };
      const scenario = fc
        .record({
          victim: fc.constantFrom('payments', 'Payments', 'web', 'db-1'),
          base: fc.constantFrom('svc', 'web', 'api'),
        })
        .chain(({ victim, base }) =>
          fc.record({
            victim: fc.constant(victim),
            base: fc.constant(base),
            ports: fc.constantFrom('one' as const, 'three' as const),
            victimLabels: fc.constantFrom<Record<string, string>>(
              {},
              { SERVICE_ID: base },
              { SERVICE_CONNECT: 'sidecar' },
              { SERVICE_ID: base, SERVICE_CONNECT: 'sidecar' },
              { SERVICE_ALIASES: 'www' },
              { SERVICE_ID: base, SERVICE_ALIASES: 'www,Web' },
            ),
            evilPorts: fc.constantFrom('one' as const, 'three' as const),
            evilLabel: fc.constantFrom('SERVICE_ID', 'SERVICE_80_ID', 'SERVICE_8080_ID', 'SERVICE_6379_ID', 'SERVICE_53_ID'),
            evilValue: value(victim, base),
            evilConnect: fc.boolean(),
          }),
        );
      fc.assert(
        fc.property(scenario, (s) => {
          const given = (s.victimLabels.SERVICE_ID ?? '').toLowerCase();
          // Both asking for one SERVICE_ID (and so for what derives from it) is first come, first served.
          fc.pre(given === '' || s.evilValue.toLowerCase() !== given);
          const victim = planContainer(container(s.victim, s.ports, s.victimLabels), options({ connect }));
          // The victim's IDs the registrar made (its label's own value is first come, first served too).
          const made = new Set(victim.registrations.map((r) => r.ID.toLowerCase()).filter((id) => id !== given));
          const evilLabels: Record<string, string> = {
            [s.evilLabel]: s.evilValue,
            ...(s.evilConnect ? { SERVICE_CONNECT: 'sidecar' } : {}),
          };
          const evil = planContainer(container('evil', s.evilPorts, evilLabels), options({ connect }));
          for (const reg of evil.registrations)
            expect(made.has(reg.ID.toLowerCase()), `${reg.ID} from ${JSON.stringify(evilLabels)}`).to.equal(false);
        }),
        { numRuns: 100 },
      );
    });
  });
});
