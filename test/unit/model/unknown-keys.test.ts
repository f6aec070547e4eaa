import { expect } from 'chai';
import { planContainer } from '../../../src/model/plan.js';
import { facts, options, withSettings } from '../support/fixtures.js';

describe('model/unknown-keys: SERVICE_* keys one typo from a setting', () => {
  it('takes SERVICE_NAM as Meta, as Registrator does, with a finding that suggests SERVICE_NAME', () => {
    const plan = planContainer(withSettings(facts('user-network'), { SERVICE_NAM: 'web' }), options());
    expect(plan.registrations[0]!.Meta).to.include({ nam: 'web' });
    expect(plan.findings.map((f) => [f.code, f.label])).to.deep.equal([['unknown-key', 'SERVICE_NAM']]);
    expect(plan.findings[0]!.fix).to.include('SERVICE_NAME');
  });

  it('names the port of a per-port key and suggests the per-port setting', () => {
    const plan = planContainer(withSettings(facts('user-network'), { SERVICE_6379_CHECK_HTP: '/health' }), options());
    expect(plan.findings.map((f) => [f.code, f.port, f.label])).to.deep.equal([['unknown-key', '6379', 'SERVICE_6379_CHECK_HTP']]);
    expect(plan.findings[0]!.fix).to.include('SERVICE_6379_CHECK_HTTP');
  });

  it('says nothing of known settings or of Meta keys far from any setting', () => {
    const plan = planContainer(
      withSettings(facts('user-network'), { SERVICE_NAME: 'web', SERVICE_VERSION: '1.2', SERVICE_TEAM: 'x' }),
      options(),
    );
    expect(plan.findings).to.deep.equal([]);
  });
});
