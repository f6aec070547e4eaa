import { expect } from 'chai';
import { codes } from '../support/findings.js';
import { planContainer } from '../../../src/model/plan.js';
import { facts, options, withSettings } from '../support/fixtures.js';

const plan = (labels: Record<string, string>) => planContainer(withSettings(facts('user-network'), labels), options());

describe('model/weights: SERVICE_WEIGHT_PASSING and SERVICE_WEIGHT_WARNING', () => {
  it('sends no Weights when neither is set, so Consul keeps its defaults', () => {
    expect(plan({}).registrations[0]).to.not.have.property('Weights');
  });

  it('takes both, and 1 for the one not given', () => {
    expect(plan({ SERVICE_WEIGHT_PASSING: '10', SERVICE_WEIGHT_WARNING: '0' }).registrations[0]!.Weights).to.deep.equal({
      Passing: 10,
      Warning: 0,
    });
    expect(plan({ SERVICE_6379_WEIGHT_WARNING: '65535' }).registrations[0]!.Weights).to.deep.equal({ Passing: 1, Warning: 65535 });
  });

  it('keeps the default with a finding for a value out of bounds or not a whole number', () => {
    for (const [key, value] of [
      ['SERVICE_WEIGHT_PASSING', '0'],
      ['SERVICE_WEIGHT_PASSING', '65536'],
      ['SERVICE_WEIGHT_WARNING', '-1'],
      ['SERVICE_WEIGHT_WARNING', '1.5'],
      ['SERVICE_WEIGHT_PASSING', '1e3'],
      ['SERVICE_WEIGHT_PASSING', ''],
    ] as const) {
      const p = plan({ [key]: value });
      expect(p.registrations[0]!.Weights, `${key}=${value}`).to.deep.equal({ Passing: 1, Warning: 1 });
      expect(codes(p.findings), `${key}=${value}`).to.deep.equal(['weight-refused']);
    }
  });

  it('does not take the weight keys as Meta', () => {
    const meta = plan({ SERVICE_WEIGHT_PASSING: '3' }).registrations[0]!.Meta;
    expect(Object.keys(meta).filter((k) => !k.startsWith('registrar_'))).to.deep.equal([]);
  });
});
