import { expect } from 'chai';
import type { Finding } from '../../../src/model/findings.js';
import type { Registration } from '../../../src/model/registration.js';
import { ServiceIdClaims } from '../../../src/reconcile/claims.js';

const reg = (ID: string): Registration => ({ ID, Name: 'web', Tags: [], Address: '10.0.0.1', Port: 80, Meta: {}, Checks: [] });

describe('reconcile/claims: one container per service ID', () => {
  it('gives an ID to the first container that asks and refuses it to a second, with a warning', () => {
    const claims = new ServiceIdClaims();
    expect(claims.take('a', [reg('web')], [])).to.have.length(1);
    const findings: Finding[] = [];
    expect(claims.take('b', [reg('web'), reg('other')], findings).map((r) => r.ID)).to.deep.equal(['other']);
    expect(findings[0]).to.include({ code: 'service-id-claimed' });
    expect(claims.heldByOther('web', 'b')).to.equal(true);
    expect(claims.heldByOther('web', 'a')).to.equal(false);
  });

  it('releases an ID when its holder no longer asks for it, so the other container gets it next time', () => {
    const claims = new ServiceIdClaims();
    claims.take('a', [reg('web')], []);
    claims.take('a', [], []);
    expect(claims.heldByOther('web', 'b')).to.equal(false);
    expect(claims.take('b', [reg('web')], [])).to.have.length(1);
  });
});
