// `plan --compare-with fork`: every port where this registrar's result differs from what the
// fayrus/registrator fork would register, and none where it does not.
import { expect } from 'chai';
import type { ContainerFacts, PortFact } from '../../../src/model/facts.js';
import { forkDifferences } from '../../../src/model/fork-view.js';
import { forkSettings } from '../../../src/model/fork-settings.js';
import { planContainer } from '../../../src/model/plan.js';
import { facts, options, withSettings } from '../support/fixtures.js';

const differences = (f: ContainerFacts, opts = options()) => forkDifferences(f, planContainer(f, opts), opts);
const onePort = (labels: Record<string, string>, env: Record<string, string> = {}, port: PortFact = { port: 6379, protocol: 'tcp' }) => ({
  ...withSettings(facts('user-network'), labels, env),
  name: 'cache-1',
  image: 'redis:7',
  exposedPorts: [port],
});

describe('model/fork-settings: how the fork reads a port’s SERVICE_* keys', () => {
  const read = (env: Record<string, string>, labels: Record<string, string>, port = 80, protocol = 'tcp') =>
    forkSettings(env, labels, port, protocol);

  it('takes a port’s key over a plain one whatever the order, and a label over env', () => {
    expect(read({ SERVICE_80_NAME: 'port' }, { SERVICE_NAME: 'plain' }).s.get('name')).to.equal('port');
    expect(read({}, { SERVICE_NAME: 'plain', SERVICE_80_NAME: 'port' }).s.get('name')).to.equal('port');
    expect(read({ SERVICE_NAME: 'env' }, { SERVICE_NAME: 'label' }).s.get('name')).to.equal('label');
  });

  it('lets the key read last win between a port’s own and its protocol’s, by chance among labels', () => {
    expect(read({ SERVICE_80_tcp_NAME: 'proto' }, { SERVICE_80_NAME: 'port' }).s.get('name')).to.equal('port');
    const both = read({}, { SERVICE_80_NAME: 'port', SERVICE_80_tcp_NAME: 'proto' });
    expect(both.chance.get('name')).to.deep.equal(['SERVICE_80_NAME', 'SERVICE_80_tcp_NAME']);
    expect(read({}, { SERVICE_80_NAME: 'same', SERVICE_80_tcp_NAME: 'same' }).chance.size).to.equal(0);
  });

  it('reads any key of a range the port is in, tcp_ and udp_ only, "SERVICE_" as written, and no "080"', () => {
    const r = read({}, { 'SERVICE_70-90_NAME': 'r', 'SERVICE_90-99_TAGS': 'x', SERVICE_80_sctp_ID: 'i', SERVICE_080_PORTS: '1' });
    expect(r.s.get('name')).to.equal('r');
    expect(r.fromPort.has('name')).to.equal(true);
    expect(r.s.get('sctp_id')).to.equal('i');
    expect(r.s.has('tags') || r.s.has('ports')).to.equal(false);
    expect(read({}, { service_name: 'lower', 'SERVICE_CHEC\u212A_TCP': 'true' }).s).to.deep.equal(new Map([['check_tcp', 'true']]));
    expect(read({}, { SERVICE_80_udp_NAME: 'u' }).s.has('name')).to.equal(false);
  });
});

describe('model/fork-view', () => {
  it('finds no difference for a plainly labelled container, tags in any order and escaped commas alike', () => {
    expect(differences(onePort({ SERVICE_NAME: 'cache', SERVICE_TAGS: 'a,b\\,c', SERVICE_CHECK_TCP: 'true' }))).to.deep.equal([]);
    expect(differences(onePort({ SERVICE_CHECK_GRPC: 'true', SERVICE_ENABLE_TAG_OVERRIDE: 'true' }))).to.deep.equal([]);
  });

  it('says where the precedence of port, protocol and range keys differs', () => {
    expect(differences(onePort({ SERVICE_6379_NAME: 'port' }, { SERVICE_6379_tcp_NAME: 'proto' }))).to.deep.equal([
      'port 6379: named proto here, port by the fork',
    ]);
    const chance = differences(onePort({ SERVICE_6379_NAME: 'port', SERVICE_6379_tcp_NAME: 'proto' }));
    expect(chance.some((l) => l.includes('SERVICE_6379_NAME or SERVICE_6379_tcp_NAME'))).to.equal(true);
    expect(differences(onePort({ 'SERVICE_6000-7000_NAME': 'ranged' }))).to.deep.equal(['port 6379: named redis here, ranged by the fork']);
    expect(differences(onePort({ 'SERVICE_6000-7000_IGNORE': 'false' }))).to.deep.equal([
      'port 6379: registered here as redis; the fork would not register it',
    ]);
    const sctp = differences(onePort({ SERVICE_6379_sctp_NAME: 'assoc' }, {}, { port: 6379, protocol: 'sctp' }));
    expect(sctp).to.deep.equal(['port 6379: named assoc here, redis by the fork']);
  });

  it('fills in templates the fork’s way: .Name with its "/", a parse failure unregistered, other fields noted', () => {
    expect(differences(onePort({ SERVICE_TAGS: 'n={{.Name}}' }))).to.deep.equal(['port 6379: tags n=cache-1 here, n=/cache-1 by the fork']);
    const unclosed = differences(onePort({ SERVICE_TAGS: 'x,{{.Name' }));
    expect(unclosed[0]).to.equal('port 6379: registered here as redis; the fork would not register it');
    expect(unclosed[1]).to.include('fails to parse SERVICE_TAGS');
    const env = differences(onePort({ SERVICE_TAGS: 'e={{.Config.Env}}' }));
    expect(env).to.have.length(1);
    expect(env[0]).to.include('{{.Config.Env}}');
    expect(differences(onePort({}), options({ tags: ['{{.Config.Image}}'] }))).to.deep.equal([]);
  });

  it('says where EnableTagOverride differs: the fork takes only "true"', () => {
    expect(differences(onePort({ SERVICE_ENABLE_TAG_OVERRIDE: 'yes' }))).to.deep.equal([
      'port 6379: EnableTagOverride on here, off by the fork (it takes only the exact value "true")',
    ]);
  });

  it('lists nothing for a container that is not running', () => {
    expect(differences({ ...onePort({ SERVICE_TAGS: '{{' }), running: false })).to.deep.equal([]);
  });
});
