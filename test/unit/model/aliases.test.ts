// SERVICE_<port>_ALIASES: more names for a port's service, each a service of its own that follows the primary.
import { expect } from 'chai';
import { aliasPrimary } from '../../../src/model/aliases.js';
import { MAX_ALIASES_PER_PORT } from '../../../src/model/caps.js';
import { registratorDifferences } from '../../../src/model/registrator-view.js';
import { parseNamePolicy } from '../../../src/model/name-policy.js';
import { planContainer, type PlanOptions } from '../../../src/model/plan.js';
import type { Registration } from '../../../src/model/registration.js';
import { codes } from '../support/findings.js';
import { facts, options, withSettings } from '../support/fixtures.js';

// user-network: one exposed port (6379/tcp); default-bridge: 53/udp, 80/tcp and 8080/tcp.
const one = (labels: Record<string, string>, o: Partial<PlanOptions> = {}) =>
  planContainer({ ...withSettings(facts('user-network'), labels), name: 'app' }, options(o));
const three = (labels: Record<string, string>, o: Partial<PlanOptions> = {}) =>
  planContainer({ ...withSettings(facts('default-bridge'), labels), name: 'app' }, options(o));
const names = (registrations: Registration[]) => registrations.map((r) => r.Name);

describe('model/aliases: SERVICE_<port>_ALIASES', () => {
  it('registers each alias at the primary’s address and port, with its tags, Meta, weights and tagged addresses', () => {
    const plan = one({
      SERVICE_NAME: 'web',
      SERVICE_6379_ALIASES: 'www, web-alt',
      SERVICE_TAGS: 'a',
      SERVICE_WEIGHT_PASSING: '5',
      SERVICE_TEAM: 'x',
    });
    expect(plan.findings).to.deep.equal([]);
    const [primary, ...aliases] = plan.registrations;
    expect(names(plan.registrations)).to.deep.equal(['web', 'www', 'web-alt']);
    for (const alias of aliases) {
      expect(alias.ID).to.equal(`${primary!.ID}:alias:${alias.Name}`);
      for (const field of ['Address', 'Port', 'Tags', 'Meta', 'Weights', 'TaggedAddresses'] as const) {
        expect(alias[field], `${alias.Name} ${field}`).to.deep.equal(primary![field]);
      }
    }
    expect(primary!.Meta.team).to.equal('x');
    expect(primary!.Meta).to.not.have.property('aliases');
  });

  it('gives an alias one check, a Consul alias check on its primary, and the registrar no job for it', () => {
    const plan = one({ SERVICE_6379_ALIASES: 'www', SERVICE_CHECK_SCRIPT: 'true' }, { scriptChecks: true });
    const alias = plan.registrations.find((r) => r.Name === 'www')!;
    expect(alias.Checks).to.deep.equal([
      { CheckID: `service:${alias.ID}:primary`, Name: 'follows host1:app:6379', AliasService: 'host1:app:6379' },
    ]);
    expect(plan.jobs.map((j) => j.checkId)).to.deep.equal(['service:host1:app:6379:script']);
  });

  it('derives the ID in lower case from the primary’s, also from a SERVICE_ID', () => {
    expect(one({ SERVICE_ID: 'cache', SERVICE_ALIASES: 'WWW' }).registrations.map((r) => [r.ID, r.Name])).to.deep.equal([
      ['cache', 'busybox'],
      ['cache:alias:www', 'WWW'],
    ]);
  });

  it('takes SERVICE_ALIASES as a port’s own on a one-port container, and with -<port> on each port of several, as SERVICE_NAME', () => {
    expect(names(one({ SERVICE_ALIASES: 'www' }).registrations)).to.deep.equal(['busybox', 'www']);
    const plan = three({ SERVICE_NAME: 'web', SERVICE_ALIASES: 'www', SERVICE_8080_ALIASES: 'admin' });
    expect(names(plan.registrations)).to.deep.equal(['web-53', 'www-53', 'web-80', 'www-80', 'web-8080', 'admin']);
  });

  it('drops repeats, in any case, and the primary’s own name, without a finding', () => {
    const plan = one({ SERVICE_NAME: 'web', SERVICE_ALIASES: 'www,WWW,web,Web,,www' });
    expect(names(plan.registrations)).to.deep.equal(['web', 'www']);
    expect(plan.findings).to.deep.equal([]);
  });

  it('refuses an alias that is not DNS-safe with one finding, and keeps the primary and the other aliases', () => {
    for (const bad of ['my_site', 'a.b', '日本', '-x', 'x'.repeat(64), 'a b']) {
      const plan = one({ SERVICE_NAME: 'web', SERVICE_6379_ALIASES: `www,${bad},api` });
      expect(names(plan.registrations), bad).to.deep.equal(['web', 'www', 'api']);
      expect(codes(plan.findings), bad).to.deep.equal(['alias-refused']);
      expect(plan.findings[0], bad).to.include({ port: '6379', label: 'SERVICE_6379_ALIASES' });
    }
  });

  it('applies the name policy to aliases, derived names included', () => {
    const policy = parseNamePolicy(JSON.stringify({ rules: [{ names: ['vault'], containers: { label: 'team=vault' } }] }));
    const plan = three({ SERVICE_NAME: 'web', SERVICE_ALIASES: 'vault', SERVICE_80_ALIASES: 'vault-8200,www' }, { namePolicy: policy });
    expect(names(plan.registrations)).to.deep.equal(['web-53', 'web-80', 'www', 'web-8080']);
    expect(codes(plan.findings)).to.deep.equal(['alias-refused', 'alias-refused', 'alias-refused']);
    const owner = three({ SERVICE_NAME: 'web', SERVICE_80_ALIASES: 'vault', team: 'vault' }, { namePolicy: policy });
    expect(names(owner.registrations)).to.include('vault');
  });

  it(`keeps at most ${MAX_ALIASES_PER_PORT} aliases a port, with one finding`, () => {
    const asked = Array.from({ length: MAX_ALIASES_PER_PORT + 3 }, (_, i) => `a${i}`);
    const plan = one({ SERVICE_ALIASES: asked.join(',') });
    expect(names(plan.registrations)).to.deep.equal(['busybox', ...asked.slice(0, MAX_ALIASES_PER_PORT)]);
    expect(codes(plan.findings)).to.deep.equal(['too-many-aliases']);
  });

  it('counts aliases against --max-services after every port’s own service, in port order', () => {
    const plan = three({ SERVICE_NAME: 'web', SERVICE_53_ALIASES: 'dns', SERVICE_80_ALIASES: 'www,www2' }, { maxServices: 4 });
    expect(names(plan.registrations)).to.deep.equal(['web-53', 'dns', 'web-80', 'web-8080']);
    expect(codes(plan.findings)).to.deep.equal(['too-many-aliases']);
    expect(plan.findings[0]).to.include({ port: '80' });
    expect(names(three({ SERVICE_80_ALIASES: 'www' }, { maxServices: 2 }).registrations)).to.not.include('www');
  });

  it('gives an alias no Connect: no sidecar of its own, and not Connect-native', () => {
    const connect = { connect: { enabled: true } };
    const sidecar = one({ SERVICE_NAME: 'web', SERVICE_CONNECT: 'sidecar', SERVICE_ALIASES: 'www' }, connect);
    expect(names(sidecar.registrations)).to.deep.equal(['web', 'www', 'web-sidecar-proxy']);
    const native = one({ SERVICE_NAME: 'web', SERVICE_CONNECT: 'native', SERVICE_ALIASES: 'www' }, connect);
    expect(native.registrations.map((r) => r.Connect)).to.deep.equal([{ Native: true }, undefined]);
  });

  it('registers no alias for an ignored port, and the key is not a near-miss of another', () => {
    const plan = three({ SERVICE_80_IGNORE: 'true', SERVICE_80_ALIASES: 'www' });
    expect(names(plan.registrations)).to.not.include('www');
    expect(codes(plan.findings)).to.deep.equal([]);
  });

  it('tells an alias registration’s primary, and no other registration’s', () => {
    const plan = one({ SERVICE_6379_ID: 'x:alias:y.z', SERVICE_ALIASES: 'www' }, { connect: { enabled: true } });
    expect(plan.registrations.map(aliasPrimary)).to.deep.equal([undefined, 'x:alias:y.z']);
    const sidecar = one({ SERVICE_CONNECT: 'sidecar' }, { connect: { enabled: true } });
    expect(sidecar.registrations.map(aliasPrimary)).to.deep.equal([undefined, undefined]);
  });

  it('plan says once that Registrator registers no aliases, and nothing else differs for them', () => {
    const container = { ...withSettings(facts('user-network'), { SERVICE_NAME: 'web', SERVICE_ALIASES: 'www' }), name: 'app' };
    const differences = registratorDifferences(container, planContainer(container, options()), { explicit: false, tags: [] });
    expect(differences.filter((d) => d.includes('www'))).to.have.length(1);
    expect(differences.filter((d) => d.includes('SERVICE_ALIASES'))).to.have.length(1);
  });
});
