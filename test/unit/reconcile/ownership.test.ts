import { expect } from 'chai';
import { holderOf, OWNER_META } from '../../../src/reconcile/ownership.js';

const meta = (host: string, container: string) => ({ [OWNER_META.host]: host, [OWNER_META.container]: container });

describe('reconcile/ownership: holderOf', () => {
  it('stamps services with the keys registrar_host and registrar_container', () => {
    expect(OWNER_META).to.deep.include({ host: 'registrar_host', container: 'registrar_container' });
  });

  it("says this-container for this host's registration of the same container", () => {
    expect(holderOf(meta('host1', 'c1'), 'host1', 'c1')).to.deep.equal({ kind: 'this-container' });
  });

  it("says our-container, naming it, for this host's registration of another container", () => {
    expect(holderOf(meta('host1', 'c2'), 'host1', 'c1')).to.deep.equal({ kind: 'our-container', containerId: 'c2' });
  });

  it("says foreign for another host's registration, even of a container with the same ID", () => {
    expect(holderOf(meta('host2', 'c1'), 'host1', 'c1')).to.deep.equal({ kind: 'foreign' });
  });

  it('says foreign for a service without ownership Meta (registered by hand or by another tool)', () => {
    expect(holderOf({}, 'host1', 'c1')).to.deep.equal({ kind: 'foreign' });
    expect(holderOf({ version: '1', [OWNER_META.container]: 'c1' }, 'host1', 'c1')).to.deep.equal({ kind: 'foreign' });
  });

  it("says our-container with an empty ID for this host's Meta without a container", () => {
    expect(holderOf({ [OWNER_META.host]: 'host1' }, 'host1', 'c1')).to.deep.equal({ kind: 'our-container', containerId: '' });
  });

  it('compares host IDs exactly', () => {
    expect(holderOf(meta('Host1', 'c1'), 'host1', 'c1')).to.deep.equal({ kind: 'foreign' });
    expect(holderOf(meta('host1 ', 'c1'), 'host1', 'c1')).to.deep.equal({ kind: 'foreign' });
  });
});
