import { expect } from 'chai';
import type { OwnedService } from '../../../src/reconcile/ownership.js';
import type { Registration } from '../../../src/model/registration.js';
import { diff } from '../../../src/reconcile/diff.js';
import { withHash } from '../../../src/reconcile/hash.js';

const reg = (id: string, overrides: Partial<Registration> = {}): Registration =>
  withHash({
    ID: id,
    Name: 'web',
    Tags: ['a'],
    Address: '10.0.0.2',
    Port: 80,
    Meta: { registrar_host: 'h1', registrar_container: 'c1' },
    Checks: [{ CheckID: `service:${id}:tcp`, Name: 'tcp', TCP: '10.0.0.2:80', Interval: '10s' }],
    ...overrides,
  });

/** What the agent reports for a registration we wrote earlier. */
const ownedFrom = (r: Registration, overrides: Partial<OwnedService> = {}): OwnedService => ({
  id: r.ID,
  name: r.Name,
  address: r.Address,
  port: r.Port,
  containerId: r.Meta.registrar_container!,
  hash: r.Meta.registrar_hash!,
  ...overrides,
});

describe('reconcile/diff', () => {
  it('registers a desired service that Consul does not have', () => {
    const a = reg('a');
    expect(diff([a], [])).to.deep.equal({ register: [a], deregister: [] });
  });

  it('changes nothing for a service that is up to date', () => {
    const a = reg('a');
    expect(diff([a], [ownedFrom(a)])).to.deep.equal({ register: [], deregister: [] });
  });

  it('re-registers a service whose content changed (a new check shows only in the hash)', () => {
    const before = reg('a');
    const after = reg('a', {
      Checks: [...before.Checks, { CheckID: 'service:a:http', Name: 'http', HTTP: 'http://10.0.0.2:80/', Interval: '10s' }],
    });
    expect(after.Meta.registrar_hash).to.not.equal(before.Meta.registrar_hash);
    expect(diff([after], [ownedFrom(before)])).to.deep.equal({ register: [after], deregister: [] });
  });

  for (const [field, change] of [
    ['name', { name: 'other' }],
    ['address', { address: '10.0.0.9' }],
    ['port', { port: 81 }],
    ['hash', { hash: '0000000000000000' }],
  ] as [string, Partial<OwnedService>][]) {
    it(`re-registers a service whose ${field} in Consul differs from the desired one`, () => {
      const a = reg('a');
      expect(diff([a], [ownedFrom(a, change)]).register).to.deep.equal([a]);
    });
  }

  it('deregisters an owned service that is no longer desired', () => {
    const stale = ownedFrom(reg('old'));
    expect(diff([], [stale])).to.deep.equal({ register: [], deregister: [stale] });
  });

  it('sorts a mixed picture into register and deregister', () => {
    const same = reg('same');
    const changed = reg('changed', { Port: 8080 });
    const missing = reg('missing');
    const stale = ownedFrom(reg('stale'));
    const changes = diff([same, changed, missing], [ownedFrom(same), ownedFrom(reg('changed')), stale]);
    expect(changes.register.map((r) => r.ID)).to.deep.equal(['changed', 'missing']);
    expect(changes.deregister.map((s) => s.id)).to.deep.equal(['stale']);
  });
});

describe('reconcile/hash: withHash', () => {
  it('stamps registrar_hash, 16 hex digits, without changing anything else', () => {
    const plain: Registration = { ID: 'a', Name: 'web', Tags: [], Address: '10.0.0.2', Port: 80, Meta: { x: '1' }, Checks: [] };
    const stamped = withHash(plain);
    expect(stamped.Meta.registrar_hash).to.match(/^[0-9a-f]{16}$/);
    expect({ ...stamped, Meta: { x: stamped.Meta.x } }).to.deep.equal(plain);
    expect(plain.Meta).to.deep.equal({ x: '1' });
  });

  it('gives the same hash whatever the order of object keys', () => {
    const a: Registration = { ID: 'a', Name: 'web', Tags: [], Address: '10.0.0.2', Port: 80, Meta: { x: '1', y: '2' }, Checks: [] };
    const b: Registration = { Checks: [], Meta: { y: '2', x: '1' }, Port: 80, Address: '10.0.0.2', Tags: [], Name: 'web', ID: 'a' };
    expect(withHash(a).Meta.registrar_hash).to.equal(withHash(b).Meta.registrar_hash);
  });

  it('gives a different hash when a check setting, tag order or Meta value changes', () => {
    const base = reg('a');
    const hashes = new Set([
      base.Meta.registrar_hash,
      reg('a', { Checks: [{ ...base.Checks[0]!, Interval: '5s' }] }).Meta.registrar_hash,
      reg('a', { Tags: ['a', 'b'] }).Meta.registrar_hash,
      reg('a', { Meta: { registrar_host: 'h1', registrar_container: 'c2' } }).Meta.registrar_hash,
    ]);
    expect(hashes.size).to.equal(4);
  });
});
