import { expect } from 'chai';
import { nearestName, oneEditApart } from '../../src/nearest-name.js';

describe('nearest-name', () => {
  it('is one edit apart by an insertion, a deletion, a changed letter or a swap of neighbours', () => {
    for (const [a, b] of [
      ['resync', 'resyncs'],
      ['resync', 'resyn'],
      ['resync', 'resynx'],
      ['resync', 'ersync'],
      ['resync', 'resycn'],
    ]) {
      expect(oneEditApart(a!, b!), `${a} ${b}`).to.equal(true);
      expect(oneEditApart(b!, a!), `${b} ${a}`).to.equal(true);
    }
    for (const [a, b] of [
      ['resync', 'resync'],
      ['resync', 'rsyncc'],
      ['resync', 'sync'],
      ['abc', 'cba'],
    ])
      expect(oneEditApart(a!, b!), `${a} ${b}`).to.equal(false);
  });

  it('offers only a name one edit away', () => {
    expect(nearestName('http-adr', ['consul-addr', 'http-addr'])).to.equal('http-addr');
    expect(nearestName('prometheus', ['consul-addr', 'http-addr'])).to.equal(undefined);
  });
});
