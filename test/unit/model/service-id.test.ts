import { expect } from 'chai';
import { deregistrableById, idProblem, likelyIdPrefixes, MAX_ID_LENGTH, RESERVED_ID_PREFIX } from '../../../src/model/service-id.js';

describe('model/service-id', () => {
  it('keeps the documented bounds: IDs of 128 characters, the reserved prefix', () => {
    expect(MAX_ID_LENGTH).to.equal(128);
    expect(RESERVED_ID_PREFIX).to.equal('consul-registrar:');
  });

  describe('idProblem', () => {
    for (const id of ['web-1', 'a.b:c_d', 'A9', '...x', 'x..', 'host1:web:80:udp', 'a'.repeat(MAX_ID_LENGTH), 'consul-registrar']) {
      it(`accepts ${JSON.stringify(id.length > 40 ? `${id.slice(0, 10)}… (${id.length})` : id)}`, () => {
        expect(idProblem(id)).to.equal(undefined);
      });
    }

    const refused: [string, string][] = [
      ['a/b', 'a slash'],
      ['/x', 'a leading slash'],
      ['../..', 'a parent path'],
      ['..', 'only dots'],
      ['.', 'a single dot'],
      ['...', 'three dots'],
      ['x y', 'a space'],
      ['x%2Fy', 'a %-escape'],
      ['x?y', 'a query'],
      ['x#y', 'a fragment'],
      ['x\\y', 'a backslash'],
      ['x\ny', 'a newline'],
      ['', 'nothing'],
      ['héllo', 'a non-ASCII letter'],
    ];
    for (const [id, what] of refused) {
      it(`refuses an ID with ${what}: ${JSON.stringify(id)}`, () => {
        expect(idProblem(id))
          .to.be.a('string')
          .and.match(/letters, digits/);
      });
    }

    it('refuses an ID longer than 128 characters, saying so', () => {
      expect(idProblem('a'.repeat(MAX_ID_LENGTH + 1))).to.equal('is longer than 128 characters');
    });

    it("refuses the prefix of the registrars' own services, naming it", () => {
      expect(idProblem('consul-registrar:host1')).to.be.a('string').and.include('consul-registrar:').and.include('reserved');
      expect(idProblem('consul-registrar:')).to.include('reserved');
    });
  });

  describe('deregistrableById', () => {
    for (const id of ['a/b', 'ok', 'host1:web:80', 'a..b', '.x', 'x.']) {
      it(`is true for ${JSON.stringify(id)}: the deregister URL path stays as it is`, () => {
        expect(deregistrableById(id)).to.equal(true);
      });
    }

    for (const id of ['/x', '../..', '.', '..', 'a//b', 'a/./b', 'a/../b', '']) {
      it(`is false for ${JSON.stringify(id)}: Consul's router would clean the path and never remove it`, () => {
        expect(deregistrableById(id)).to.equal(false);
      });
    }

    it('is true for every ID idProblem accepts', () => {
      for (const id of ['web-1', 'a.b:c_d', '...x', 'a'.repeat(MAX_ID_LENGTH)]) expect(deregistrableById(id), id).to.equal(true);
    });
  });

  describe('likelyIdPrefixes', () => {
    it('gives the default host:name: prefix and the usable IDs labels ask for, skipping refused ones', () => {
      const labels = { SERVICE_ID: ' web-1 ', SERVICE_80_ID: 'a/b', service_443_id: 'tls', SERVICE_NAME: 'x' };
      expect(likelyIdPrefixes('host1', 'web', labels)).to.deep.equal(['host1:web:', 'web-1', 'tls']);
    });
  });
});
