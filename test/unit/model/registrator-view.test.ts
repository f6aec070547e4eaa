// `plan`'s comparison with Registrator: for a migrating operator, every port where this registrar's
// result differs from what Registrator (-internal, Consul backend) registered, and none where it does not.
import { expect } from 'chai';
import type { ContainerFacts } from '../../../src/model/facts.js';
import { planContainer } from '../../../src/model/plan.js';
import { registratorDifferences, registratorServices } from '../../../src/model/registrator-view.js';
import { facts, options, withSettings } from '../support/fixtures.js';

const differences = (f: ContainerFacts, opts = options()) => registratorDifferences(f, planContainer(f, opts), opts);
const onePort = (labels: Record<string, string>, image = 'redis:7'): ContainerFacts => ({
  ...withSettings(facts('user-network'), labels),
  image,
  exposedPorts: [{ port: 6379, protocol: 'tcp' }],
});

describe('model/registrator-view', () => {
  it('finds no difference for a plainly labelled container', () => {
    expect(differences(onePort({ SERVICE_NAME: 'cache', SERVICE_TAGS: 'a,b', SERVICE_CHECK_TCP: 'true' }))).to.deep.equal([]);
  });

  it("names Registrator's service as it did: the image's base name, -port for several ports, sha256 for an image ID", () => {
    const several = {
      ...onePort({}),
      exposedPorts: [
        { port: 80, protocol: 'tcp' as const },
        { port: 443, protocol: 'tcp' as const },
      ],
    };
    expect(registratorServices(several, { explicit: false, tags: [] }).map((s) => s.name)).to.deep.equal(['redis-80', 'redis-443']);
    expect(differences(onePort({ 'com.docker.compose.service': 'cache' }, 'sha256:' + 'a'.repeat(64)))).to.deep.equal([
      'port 6379: named cache here, sha256 by Registrator',
    ]);
  });

  it('says where SERVICE_IGNORE=false, tag clean-up, extra check kinds and script checks differ', () => {
    expect(differences(onePort({ SERVICE_IGNORE: 'false' }))).to.deep.equal([
      'port 6379: registered here as redis; Registrator would not register it',
    ]);
    expect(differences(onePort({ SERVICE_TAGS: 'a, b,a' }))[0]).to.equal('port 6379: tags a,b here, a, b,a by Registrator');
    expect(differences(onePort({ SERVICE_CHECK_HTTP: '/', SERVICE_CHECK_TCP: 'true' }))[0]).to.include(
      'checks http, tcp here, http by Registrator',
    );
    const script = differences(onePort({ SERVICE_CHECK_SCRIPT: 'true' }), options({ scriptChecks: true }));
    expect(script[0]).to.include('runs inside the container');
  });

  it('says which ports Registrator registered that are not registered here, and why', () => {
    const lines = differences(onePort({ SERVICE_NAME: 'bad_name!' }));
    expect(lines.some((l) => l.startsWith('port 6379: named bad-name here'))).to.equal(true);
    const capped = { ...onePort({}), exposedPorts: [1, 2, 3].map((port) => ({ port, protocol: 'tcp' as const })) };
    expect(differences(capped, options({ maxServices: 2 })).at(-1)).to.equal(
      'port 3: Registrator registered it as redis-3; not registered here (see the findings)',
    );
  });
});
