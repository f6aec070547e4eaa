import { expect } from 'chai';
import { codes } from '../support/findings.js';
import fc from 'fast-check';
import type { ContainerFacts, PortFact } from '../../../src/model/facts.js';
import { deregistrableById } from '../../../src/model/service-id.js';
import type { NamePolicy } from '../../../src/model/name-policy.js';
import { planContainer } from '../../../src/model/plan.js';
import { MAX_SETTING_LENGTH } from '../../../src/model/settings.js';
import { facts, options, withSettings } from '../support/fixtures.js';

// user-network: one exposed port (6379/tcp) on fixture-rec-a, image consul-registrar-test/busybox:1, container fixture-rec-user-network.
const onePort = (labels: Record<string, string> = {}, env: Record<string, string> = {}) => withSettings(facts('user-network'), labels, env);
// default-bridge: three exposed ports (53/udp, 80/tcp, 8080/tcp).
const threePorts = (labels: Record<string, string> = {}) => withSettings(facts('default-bridge'), labels);
const withPorts = (base: ContainerFacts, count: number): ContainerFacts => ({
  ...base,
  exposedPorts: Array.from({ length: count }, (_, i): PortFact => ({ port: count - i, protocol: 'tcp' })),
});

describe('model/plan: containment of hostile labels', () => {
  describe('--max-services', () => {
    it('registers only the lowest 64 of a container exposing 65,535 ports, with one warning naming the count, quickly', () => {
      const f = withPorts(onePort(), 65_535);
      const started = performance.now();
      const plan = planContainer(f, options());
      const elapsed = performance.now() - started;
      expect(plan.registrations.map((r) => r.Port)).to.deep.equal(Array.from({ length: 64 }, (_, i) => i + 1));
      expect(plan.findings).to.have.length(1);
      expect(plan.findings[0]?.code).to.equal('too-many-ports');
      expect(plan.skipped).to.equal(undefined);
      // A sanity bound, not a benchmark: the work must not grow with the ports left out.
      expect(elapsed, `${elapsed.toFixed(0)} ms`).to.be.lessThan(1000);
    });

    it('keeps the number of services the operator asks for, the lowest ports first', () => {
      const plan = planContainer(threePorts(), options({ maxServices: 2 }));
      expect(plan.registrations.map((r) => r.Port)).to.deep.equal([53, 80]);
      expect(plan.findings).to.have.length(1);
      expect(plan.findings[0]?.code).to.equal('too-many-ports');
    });

    it('warns about nothing when the container has no more ports than allowed', () => {
      expect(planContainer(threePorts(), options({ maxServices: 3 })).findings).to.deep.equal([]);
    });

    it('counts the SERVICE_PORTS ports too', () => {
      const plan = planContainer(onePort({ SERVICE_PORTS: '1,2,3,4' }), options({ maxServices: 2 }));
      expect(plan.registrations.map((r) => r.Port)).to.deep.equal([1, 2]);
      expect(codes(plan.findings)).to.include('too-many-ports');
    });
  });

  describe('service IDs asked for by labels', () => {
    for (const id of ['../..', '/x', 'a/b', '..', 'x y', 'consul-registrar:host1', 'a'.repeat(129)]) {
      const label = JSON.stringify(id.length > 40 ? `${id.slice(0, 8)}… (${id.length})` : id);
      it(`registers SERVICE_ID ${label} under the default ID, with a warning`, () => {
        const plan = planContainer(onePort({ SERVICE_ID: id }), options());
        expect(plan.registrations.map((r) => r.ID)).to.deep.equal(['host1:fixture-rec-user-network:6379']);
        expect(plan.findings).to.have.length(1);
        expect(plan.findings[0]).to.include({ code: 'service-id-refused', label: 'SERVICE_ID' });
      });
    }

    it('does the same for SERVICE_<port>_ID, naming that label', () => {
      const plan = planContainer(threePorts({ SERVICE_80_ID: '../../agent/self' }), options());
      expect(plan.registrations.map((r) => r.ID)).to.deep.equal([
        'host1:fixture-rec-default-bridge:53:udp',
        'host1:fixture-rec-default-bridge:80',
        'host1:fixture-rec-default-bridge:8080',
      ]);
      expect(plan.findings).to.have.length(1);
      expect(plan.findings[0]).to.include({ code: 'service-id-refused', label: 'SERVICE_80_ID', port: '80' });
    });

    it('refuses a shared SERVICE_ID that is too long once the port is appended', () => {
      const plan = planContainer(threePorts({ SERVICE_ID: 'a'.repeat(125) }), options());
      const ids = plan.registrations.map((r) => r.ID);
      expect(ids).to.include('a'.repeat(125) + ':80');
      expect(ids).to.include('host1:fixture-rec-default-bridge:8080');
      expect(ids.every((id) => id.length <= 128 || id.startsWith('host1:'))).to.equal(true);
    });

    it('gives no registration an ID with "/" or one Consul could not deregister, whatever SERVICE_ID and SERVICE_<port>_ID say', () => {
      const hostile = fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.string({ unit: fc.constantFrom('/', '.', ':', 'a', '-', '%', ' ', '\\', '?', '#'), maxLength: 12 }),
        fc.constantFrom('../..', '/x', 'a/b', '.', '..', 'consul-registrar:h', 'ok'),
      );
      const maybe = fc.option(hostile, { nil: undefined });
      fc.assert(
        fc.property(maybe, maybe, fc.boolean(), (shared, own, several) => {
          const labels: Record<string, string> = {};
          if (shared !== undefined) labels.SERVICE_ID = shared;
          if (own !== undefined) labels[several ? 'SERVICE_80_ID' : 'SERVICE_6379_ID'] = own;
          const plan = planContainer(several ? threePorts(labels) : onePort(labels), options());
          for (const r of plan.registrations) {
            expect(r.ID, r.ID).to.not.include('/');
            expect(deregistrableById(r.ID), r.ID).to.equal(true);
          }
        }),
        { numRuns: 400 },
      );
    });
  });

  describe('--meta-from-env', () => {
    it('with metaFromEnv false takes Meta from labels only', () => {
      const f = onePort({ SERVICE_OWNER: 'y' }, { SERVICE_OWNER: 'x', SERVICE_DB_PASSWORD: 'hunter2' });
      const plan = planContainer(f, options({ metaFromEnv: false }));
      const meta = plan.registrations[0]!.Meta;
      expect(meta.owner).to.equal('y');
      expect(meta).to.not.have.property('db_password');
      expect(Object.values(meta)).to.not.include('x');
    });

    it('with metaFromEnv false still reads the other settings from the environment', () => {
      const plan = planContainer(onePort({}, { SERVICE_NAME: 'from-env', SERVICE_OWNER: 'x' }), options({ metaFromEnv: false }));
      expect(plan.registrations[0]!.Name).to.equal('from-env');
      expect(plan.registrations[0]!.Meta).to.not.have.property('owner');
    });

    it('with metaFromEnv true (the default) takes Meta from the environment too, labels winning', () => {
      expect(planContainer(onePort({}, { SERVICE_OWNER: 'x' }), options()).registrations[0]!.Meta.owner).to.equal('x');
      expect(planContainer(onePort({ SERVICE_OWNER: 'y' }, { SERVICE_OWNER: 'x' }), options()).registrations[0]!.Meta.owner).to.equal('y');
    });
  });

  describe('--name-policy', () => {
    // default-bridge's ports are named busybox-53, busybox-80 and busybox-8080.
    const reserve = (names: string[], label = 'team=payments'): NamePolicy => ({
      rules: [{ names, containers: { label } }],
      unlisted: 'allow',
    });

    it('leaves out just the port whose name is reserved for other containers, with a warning naming the port', () => {
      const plan = planContainer(threePorts(), options({ namePolicy: reserve(['busybox-80']) }));
      expect(plan.registrations.map((r) => r.Name)).to.deep.equal(['busybox-53', 'busybox-8080']);
      expect(plan.findings).to.have.length(1);
      expect(plan.findings[0]).to.include({ code: 'service-name-reserved', port: '80' });
      expect(plan.skipped).to.equal(undefined);
    });

    it('registers the reserved name for a container the rule selects', () => {
      const plan = planContainer(threePorts({ team: 'payments' }), options({ namePolicy: reserve(['busybox-*']) }));
      expect(plan.registrations).to.have.length(3);
      expect(plan.findings).to.deep.equal([]);
    });

    it('checks the DNS-safe name that would be registered', () => {
      const plan = planContainer(onePort({ SERVICE_NAME: 'pay_ments' }), options({ namePolicy: reserve(['pay-ments']) }));
      expect(plan.registrations).to.deep.equal([]);
      expect(codes(plan.findings)).to.deep.equal(['service-name-rewritten', 'service-name-reserved']);
      expect(plan.findings[1]!.text).to.include('"pay-ments"');
    });

    it('skips the container, saying why, when the policy refuses every port', () => {
      const plan = planContainer(threePorts(), options({ namePolicy: reserve(['busybox-*']) }));
      expect(plan.registrations).to.deep.equal([]);
      expect(plan.jobs).to.deep.equal([]);
      expect(plan.skipped?.code).to.equal('every-port-ignored');
      expect(codes(plan.findings)).to.deep.equal(Array(3).fill('service-name-reserved'));
    });

    it('refuses every name when unlisted is deny and no rule selects the container', () => {
      const plan = planContainer(onePort(), options({ namePolicy: { rules: [], unlisted: 'deny' } }));
      expect(plan.skipped?.code).to.equal('every-port-ignored');
      expect(codes(plan.findings)).to.deep.equal(['service-name-reserved']);
    });
  });

  describe('long SERVICE_* values', () => {
    it(`ignores a label value longer than ${MAX_SETTING_LENGTH} characters, with a warning naming the label`, () => {
      const plan = planContainer(onePort({ SERVICE_NAME: 'x'.repeat(MAX_SETTING_LENGTH + 1) }), options());
      expect(plan.registrations.map((r) => r.Name)).to.deep.equal(['busybox']);
      expect(plan.findings).to.have.length(1);
      expect(plan.findings[0]).to.include({ code: 'setting-too-long', label: 'SERVICE_NAME' });
      expect(plan.findings[0]!.text.length).to.be.lessThan(200);
    });

    it('ignores an over-long environment value too, the label of the same name still applying', () => {
      const plan = planContainer(onePort({ SERVICE_TAGS: 'a' }, { SERVICE_TAGS: 'b,'.repeat(3000) }), options());
      expect(plan.registrations[0]!.Tags).to.deep.equal(['a']);
      expect(plan.findings).to.have.length(1);
    });

    it(`reads a value of exactly ${MAX_SETTING_LENGTH} characters`, () => {
      const plan = planContainer(onePort({ SERVICE_ID: 'i'.repeat(MAX_SETTING_LENGTH) }), options());
      // Read, then refused as an ID (over 128): the warning is about the ID, not the length of the setting.
      expect(plan.findings).to.have.length(1);
      expect(plan.findings[0]).to.include({ code: 'service-id-refused', label: 'SERVICE_ID' });
    });

    it('ignores an over-long value in Meta too, with metaFromEnv false', () => {
      const plan = planContainer(onePort({ SERVICE_NOTE: 'n'.repeat(MAX_SETTING_LENGTH + 1) }), options({ metaFromEnv: false }));
      expect(plan.registrations[0]!.Meta).to.not.have.property('note');
      expect(plan.findings).to.have.length(1);
    });
  });

  describe('tags from labels', () => {
    it("keeps at most 64 of a container's tags and adds --tags after them", () => {
      const many = Array.from({ length: 100 }, (_, i) => `t${i}`).join(',');
      const plan = planContainer(onePort({ SERVICE_TAGS: many }), options({ tags: ['ops'] }));
      const tags = plan.registrations[0]!.Tags;
      expect(tags).to.have.length(65);
      expect(tags.at(-1)).to.equal('ops');
      expect(codes(plan.findings)).to.deep.equal(['too-many-tags']);
    });
  });
});
