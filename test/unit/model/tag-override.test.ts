import { expect } from 'chai';
import { codes } from '../support/findings.js';
import { planContainer } from '../../../src/model/plan.js';
import { facts, options, withSettings } from '../support/fixtures.js';

const plan = (labels: Record<string, string>) => planContainer(withSettings(facts('user-network'), labels), options());

describe('model/plan: SERVICE_ENABLE_TAG_OVERRIDE', () => {
  it('sets EnableTagOverride for true, and sends nothing for false or no label', () => {
    expect(plan({ SERVICE_ENABLE_TAG_OVERRIDE: 'true' }).registrations[0]!.EnableTagOverride).to.equal(true);
    expect(plan({ SERVICE_6379_ENABLE_TAG_OVERRIDE: '1' }).registrations[0]!.EnableTagOverride).to.equal(true);
    expect(plan({ SERVICE_ENABLE_TAG_OVERRIDE: 'false' }).registrations[0]).to.not.have.property('EnableTagOverride');
    expect(plan({}).registrations[0]).to.not.have.property('EnableTagOverride');
  });

  it('takes a value neither true nor false as false, with a finding, and never as Meta', () => {
    const p = plan({ SERVICE_ENABLE_TAG_OVERRIDE: 'sometimes' });
    expect(p.registrations[0]).to.not.have.property('EnableTagOverride');
    expect(codes(p.findings)).to.deep.equal(['tag-override-not-boolean']);
    expect(Object.keys(p.registrations[0]!.Meta).filter((k) => !k.startsWith('registrar_'))).to.deep.equal([]);
  });
});
