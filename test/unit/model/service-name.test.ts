import { expect } from 'chai';
import type { Finding } from '../../../src/model/findings.js';
import { serviceName, type NameRequest } from '../../../src/model/service-name.js';

const request = (overrides: Partial<NameRequest> = {}): NameRequest => ({
  port: 80,
  ownName: false,
  several: false,
  image: 'registry.example:5000/team/web:1.2@sha256:abc',
  labels: {},
  containerName: 'web-1',
  ...overrides,
});

const named = (overrides: Partial<NameRequest> = {}) => {
  const findings: Finding[] = [];
  return { name: serviceName(request(overrides), findings), codes: findings.map((f) => f.code) };
};

describe('model/service-name: how a service name is chosen', () => {
  it('takes SERVICE_NAME as given, trimmed', () => {
    expect(named({ given: ' api ' })).to.deep.equal({ name: 'api', codes: [] });
  });

  it("takes a port's own SERVICE_<port>_NAME without a port suffix, even when the container has several ports", () => {
    expect(named({ given: 'admin', ownName: true, several: true, port: 8080 })).to.deep.equal({ name: 'admin', codes: [] });
  });

  it("names a service after its image's base name, without registry, tag or digest", () => {
    expect(named()).to.deep.equal({ name: 'web', codes: [] });
  });

  it('names a container made from an image ID after its compose service, else its own name', () => {
    const image = 'sha256:0123456789abcdef0123456789abcdef';
    expect(named({ image, labels: { 'com.docker.compose.service': 'worker' } }).name).to.equal('worker');
    expect(named({ image }).name).to.equal('web-1');
  });

  it('appends -<port> to a name several ports share, given or derived', () => {
    expect(named({ given: 'api', several: true, port: 443 }).name).to.equal('api-443');
    expect(named({ several: true, port: 81 }).name).to.equal('web-81');
  });

  it('makes a name DNS-safe (letters, digits and dashes, one label of at most 63), saying so', () => {
    expect(named({ given: 'my_app..v2' })).to.deep.equal({ name: 'my-app-v2', codes: ['service-name-rewritten'] });
    expect(named({ given: 'x'.repeat(70) }).name).to.have.lengthOf(63);
  });

  it('gives no name, with a finding, when nothing DNS-safe is left', () => {
    expect(named({ given: '___' })).to.deep.equal({ name: undefined, codes: ['service-name-empty'] });
  });
});
