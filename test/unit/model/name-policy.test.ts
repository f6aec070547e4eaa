import { expect } from 'chai';
import { codes } from '../support/findings.js';
import type { ContainerFacts } from '../../../src/model/facts.js';
import { nameRefusal, parseNamePolicy, type NamePolicy, type NameRule } from '../../../src/model/name-policy.js';
import { planContainer } from '../../../src/model/plan.js';
import { facts, options, withSettings } from '../support/fixtures.js';

/** A running container (user-network) with these labels and image. */
const container = (labels: Record<string, string> = {}, image = 'registry.example/team/app:1'): ContainerFacts => ({
  ...withSettings(facts('user-network'), labels),
  image,
});
const policy = (rules: NameRule[], unlisted: NamePolicy['unlisted'] = 'allow'): NamePolicy => ({ rules, unlisted });

/** The Error parseNamePolicy throws for this text (fails the test when it throws nothing). */
function parseError(text: string): Error {
  try {
    parseNamePolicy(text);
  } catch (err) {
    expect(err).to.be.instanceOf(Error);
    return err as Error;
  }
  expect.fail(`expected ${text} to be refused`);
}

describe('model/name-policy', () => {
  describe('parseNamePolicy', () => {
    it('reads rules with every kind of selector, and unlisted', () => {
      const text = JSON.stringify({
        unlisted: 'deny',
        rules: [
          { names: ['payments', 'payments-*'], containers: { label: 'team=payments' } },
          { names: ['web'], containers: { composeProject: 'shop', image: 'registry.example/shop/*' } },
          { names: ['metrics'], containers: { label: 'metrics' } },
        ],
      });
      expect(parseNamePolicy(text)).to.deep.equal({
        unlisted: 'deny',
        rules: [
          { names: ['payments', 'payments-*'], containers: { label: 'team=payments' } },
          { names: ['web'], containers: { composeProject: 'shop', image: 'registry.example/shop/*' } },
          { names: ['metrics'], containers: { label: 'metrics' } },
        ],
      });
    });

    it('defaults unlisted to allow, and takes an empty list of rules', () => {
      expect(parseNamePolicy('{"rules":[]}')).to.deep.equal({ rules: [], unlisted: 'allow' });
    });

    const bad: [string, string, RegExp][] = [
      ['unlisted that is neither allow nor deny', '{"rules":[],"unlisted":"maybe"}', /"unlisted" must be "allow" or "deny"/],
      ['no rules', '{}', /"rules" must be a list/],
      ['rules that are not a list', '{"rules":{"names":["a"]}}', /"rules" must be a list/],
      ['a rule without names', '{"rules":[{"containers":{"label":"a"}}]}', /rule 1: "names" must be a non-empty list/],
      ['a rule with an empty list of names', '{"rules":[{"names":[],"containers":{"label":"a"}}]}', /rule 1: "names"/],
      ['a rule with an empty name', '{"rules":[{"names":[""],"containers":{"label":"a"}}]}', /rule 1: "names"/],
      ['a rule with a name that is not a string', '{"rules":[{"names":[7],"containers":{"label":"a"}}]}', /rule 1: "names"/],
      ['a rule without containers', '{"rules":[{"names":["a"]}]}', /rule 1: "containers" must give label, composeProject/],
      ['a rule with empty containers', '{"rules":[{"names":["a"],"containers":{}}]}', /rule 1: "containers"/],
      ['an unknown selector', '{"rules":[{"names":["a"],"containers":{"lable":"x"}}]}', /rule 1: "containers"/],
      ['a selector that is not a string', '{"rules":[{"names":["a"],"containers":{"label":true}}]}', /rule 1: "containers"/],
    ];
    for (const [what, text, message] of bad) {
      it(`refuses ${what}, naming the problem`, () => {
        expect(parseError(text).message).to.match(message);
      });
    }

    it('numbers the rule it refuses', () => {
      const text = JSON.stringify({
        rules: [
          { names: ['a'], containers: { label: 'x' } },
          { names: ['b'], containers: { nope: 'y' } },
        ],
      });
      expect(parseError(text).message).to.match(/^rule 2: /);
    });

    it('refuses text that is not JSON', () => {
      expect(parseError('rules: []')).to.be.instanceOf(SyntaxError);
    });

    it('refuses JSON null and a null rule (with some Error)', () => {
      parseError('null');
      parseError('{"rules":[null]}');
    });
  });

  describe('nameRefusal', () => {
    const payments = policy([{ names: ['payments'], containers: { label: 'team=payments' } }]);

    it('allows a reserved name to a container the rule selects by label key=value', () => {
      expect(nameRefusal(payments, 'payments', container({ team: 'payments' }))).to.equal(undefined);
    });

    it('refuses a reserved name to a container with another label value, or without the label, naming the name', () => {
      for (const labels of [{ team: 'web' }, {}, { 'team=payments': '' }] as Record<string, string>[]) {
        const refusal = nameRefusal(payments, 'payments', container(labels));
        expect(refusal, JSON.stringify(labels)).to.be.a('string').and.include('"payments"').and.include('--name-policy');
      }
    });

    it('selects by the presence of a label when the selector has no =', () => {
      const p = policy([{ names: ['metrics'], containers: { label: 'exporter' } }]);
      expect(nameRefusal(p, 'metrics', container({ exporter: '' }))).to.equal(undefined);
      expect(nameRefusal(p, 'metrics', container({ exporter: 'anything' }))).to.equal(undefined);
      expect(nameRefusal(p, 'metrics', container({ other: 'exporter' }))).to.be.a('string');
    });

    it('selects by a label whose value holds =', () => {
      const p = policy([{ names: ['x'], containers: { label: 'k=a=b' } }]);
      expect(nameRefusal(p, 'x', container({ k: 'a=b' }))).to.equal(undefined);
      expect(nameRefusal(p, 'x', container({ k: 'a' }))).to.be.a('string');
    });

    it('selects by compose project, read from the label com.docker.compose.project', () => {
      const p = policy([{ names: ['shop'], containers: { composeProject: 'shop' } }]);
      expect(nameRefusal(p, 'shop', container({ 'com.docker.compose.project': 'shop' }))).to.equal(undefined);
      expect(nameRefusal(p, 'shop', container({ 'com.docker.compose.project': 'shop2' }))).to.be.a('string');
      expect(nameRefusal(p, 'shop', container({ composeProject: 'shop' }))).to.be.a('string');
    });

    it('selects by an image glob, * matching any run of characters and nothing else being special', () => {
      const p = policy([{ names: ['api'], containers: { image: 'registry.example/team/*' } }]);
      expect(nameRefusal(p, 'api', container({}, 'registry.example/team/api:2'))).to.equal(undefined);
      expect(nameRefusal(p, 'api', container({}, 'registry.example/team/sub/api@sha256:ab'))).to.equal(undefined);
      expect(nameRefusal(p, 'api', container({}, 'registry.example/other/api:2'))).to.be.a('string');
      expect(nameRefusal(p, 'api', container({}, 'registryXexample/team/api:2')), 'a dot is a dot').to.be.a('string');
      expect(nameRefusal(p, 'api', container({}, 'evil/registry.example/team/api')), 'anchored at the start').to.be.a('string');
    });

    it('needs every selector of a rule to match', () => {
      const p = policy([{ names: ['web'], containers: { composeProject: 'shop', label: 'tier=front', image: 'shop/*' } }]);
      const all = { 'com.docker.compose.project': 'shop', tier: 'front' };
      expect(nameRefusal(p, 'web', container(all, 'shop/web:1'))).to.equal(undefined);
      expect(nameRefusal(p, 'web', container(all, 'other/web:1'))).to.be.a('string');
      expect(nameRefusal(p, 'web', container({ ...all, tier: 'back' }, 'shop/web:1'))).to.be.a('string');
      expect(nameRefusal(p, 'web', container({ tier: 'front' }, 'shop/web:1'))).to.be.a('string');
    });

    it('allows a name to a container any one of the rules naming it selects', () => {
      const p = policy([
        { names: ['db'], containers: { label: 'team=a' } },
        { names: ['db'], containers: { label: 'team=b' } },
      ]);
      expect(nameRefusal(p, 'db', container({ team: 'a' }))).to.equal(undefined);
      expect(nameRefusal(p, 'db', container({ team: 'b' }))).to.equal(undefined);
      expect(nameRefusal(p, 'db', container({ team: 'c' }))).to.be.a('string');
    });

    it('reserves every name a prefix pattern such as "payments-*" matches, and only those', () => {
      const p = policy([{ names: ['payments-*'], containers: { label: 'team=payments' } }]);
      const stranger = container({ team: 'web' });
      for (const name of ['payments-api', 'payments-', 'payments-8080', 'payments-a-b']) {
        expect(nameRefusal(p, name, stranger), name)
          .to.be.a('string')
          .and.include(`"${name}"`);
        expect(nameRefusal(p, name, container({ team: 'payments' })), name).to.equal(undefined);
      }
      for (const name of ['payments', 'paymentsapi', 'x-payments-api', 'web']) {
        expect(nameRefusal(p, name, stranger), name).to.equal(undefined);
      }
    });

    it('allows names no rule mentions to everyone when unlisted is allow', () => {
      expect(nameRefusal(payments, 'web', container())).to.equal(undefined);
    });

    it('refuses names no rule mentions to everyone when unlisted is deny, saying so', () => {
      const p = policy(payments.rules, 'deny');
      const refusal = nameRefusal(p, 'web', container({ team: 'payments' }));
      expect(refusal).to.be.a('string').and.include('"web"').and.include('unlisted');
      expect(nameRefusal(p, 'payments', container({ team: 'payments' }))).to.equal(undefined);
    });

    it("works on a policy read from a file's text", () => {
      const rules = [{ names: ['payments-*'], containers: { composeProject: 'pay' } }];
      const p = parseNamePolicy(JSON.stringify({ rules, unlisted: 'allow' }));
      expect(nameRefusal(p, 'payments-api', container({ 'com.docker.compose.project': 'pay' }))).to.equal(undefined);
      expect(nameRefusal(p, 'payments-api', container())).to.be.a('string');
    });
  });
});

describe('model/name-policy: bypasses', () => {
  const policy = parseNamePolicy(JSON.stringify({ rules: [{ names: ['payments', 'vault-*'], containers: { label: 'team=payments' } }] }));
  const stranger = withSettings(facts('user-network'), { team: 'web' });

  it('reserves a name whatever its case, as Consul looks names up regardless of case', () => {
    for (const name of ['Payments', 'PAYMENTS', 'Vault-Active']) expect(nameRefusal(policy, name, stranger), name).to.be.a('string');
  });

  it('does not take inherited properties for labels ("toString", "constructor")', () => {
    const odd = parseNamePolicy(JSON.stringify({ rules: [{ names: ['x'], containers: { label: 'toString' } }] }));
    expect(nameRefusal(odd, 'x', stranger)).to.be.a('string');
  });

  it('names the problem for a file of null or a rule of null', () => {
    expect(() => parseNamePolicy('null')).to.throw(/JSON object/);
    expect(() => parseNamePolicy('{"rules":[null]}')).to.throw(/rule 1/);
  });
});

describe('model/name-policy: derived names and tags', () => {
  const vault = parseNamePolicy(JSON.stringify({ rules: [{ names: ['vault'], containers: { label: 'team=vault' } }] }));
  const stranger = withSettings(facts('default-bridge'), { team: 'web' });
  const owner = withSettings(facts('default-bridge'), { team: 'vault' });

  it('a rule for "vault" governs vault-<port>, vault-sidecar-proxy and vault-<port>-sidecar-proxy too', () => {
    for (const name of ['vault', 'vault-8200', 'VAULT-8201', 'vault-sidecar-proxy', 'vault-8200-sidecar-proxy']) {
      expect(nameRefusal(vault, name, stranger), name).to.be.a('string');
      expect(nameRefusal(vault, name, owner), name).to.equal(undefined);
    }
    for (const name of ['vaults', 'vault-x', 'my-vault-8200', 'vault-123456', 'sidecar-proxy']) {
      expect(nameRefusal(vault, name, stranger), name).to.equal(undefined);
    }
  });

  it('a container whose image is vault, with several ports, registers none of vault-<port> unless the rule selects it', () => {
    const unlisted = { ...stranger, image: 'vault:1.15' };
    const plan = planContainer(unlisted, options({ namePolicy: vault }));
    expect(plan.registrations.map((r) => r.Name)).to.deep.equal([]);
    expect(planContainer({ ...owner, image: 'vault:1.15' }, options({ namePolicy: vault })).registrations.map((r) => r.Name)).to.deep.equal(
      ['vault-53', 'vault-80', 'vault-8080'],
    );
  });

  it('a rule may reserve a sidecar name on its own: the parent is registered, without the sidecar', () => {
    const p = parseNamePolicy(JSON.stringify({ rules: [{ names: ['web-sidecar-proxy'], containers: { label: 'team=mesh' } }] }));
    const labels = { SERVICE_NAME: 'web', SERVICE_CONNECT: 'sidecar' };
    const plan = planContainer(withSettings(facts('user-network'), labels), options({ namePolicy: p, connect: { enabled: true } }));
    expect(plan.registrations.map((r) => r.Name)).to.deep.equal(['web']);
    expect(codes(plan.findings)).to.include('sidecar-name-reserved');
    const mesh = withSettings(facts('user-network'), { ...labels, team: 'mesh' });
    expect(planContainer(mesh, options({ namePolicy: p, connect: { enabled: true } })).registrations.map((r) => r.Name)).to.deep.equal([
      'web',
      'web-sidecar-proxy',
    ]);
  });

  it('reserves tags by pattern: others keep their service and their other tags, with a warning per tag; --tags are the operator’s', () => {
    const p = parseNamePolicy(JSON.stringify({ rules: [{ tags: ['traefik.*', 'urlprefix-*'], containers: { label: 'team=edge' } }] }));
    expect(p.rules[0]).to.deep.equal({ tags: ['traefik.*', 'urlprefix-*'], containers: { label: 'team=edge' } });
    const labels = { SERVICE_NAME: 'web', SERVICE_TAGS: 'traefik.enable=true,urlprefix-/admin,Traefik.http.routers.x.rule=Host(`a`),blue' };
    const plan = planContainer(withSettings(facts('user-network'), labels), options({ namePolicy: p, tags: ['traefik.operator'] }));
    expect(plan.registrations[0]!.Tags).to.deep.equal(['blue', 'traefik.operator']);
    expect(plan.findings.filter((f) => f.code === 'tag-reserved')).to.have.length(3);
    const edge = withSettings(facts('user-network'), { ...labels, team: 'edge' });
    expect(planContainer(edge, options({ namePolicy: p })).registrations[0]!.Tags).to.have.length(4);
  });

  it('a tags-only rule reserves no name, and unlisted speaks of names only', () => {
    const p = parseNamePolicy(JSON.stringify({ unlisted: 'deny', rules: [{ tags: ['x-*'], names: ['web'], containers: { label: 'a' } }] }));
    const labelled = withSettings(facts('user-network'), { a: '', SERVICE_NAME: 'web', SERVICE_TAGS: 'plain,x-1' });
    expect(planContainer(labelled, options({ namePolicy: p })).registrations[0]!.Tags).to.deep.equal(['plain', 'x-1']);
    const tagsOnly = parseNamePolicy(JSON.stringify({ rules: [{ tags: ['x-*'], containers: { label: 'a' } }] }));
    expect(nameRefusal(tagsOnly, 'x-1', stranger)).to.equal(undefined);
  });

  it('refuses a rule with neither names nor tags, and empty or non-string tags', () => {
    expect(() => parseNamePolicy('{"rules":[{"containers":{"label":"a"}}]}')).to.throw(/rule 1: "names"/);
    expect(() => parseNamePolicy('{"rules":[{"tags":[],"containers":{"label":"a"}}]}')).to.throw(/rule 1: "tags"/);
    expect(() => parseNamePolicy('{"rules":[{"tags":[1],"containers":{"label":"a"}}]}')).to.throw(/rule 1: "tags"/);
  });
});
