import { expect } from 'chai';
import pino from 'pino';
import { capabilitiesOf } from '../../../src/consul/capabilities.js';
import type { Registration } from '../../../src/model/registration.js';
import { UnsupportedFields } from '../../../src/reconcile/unsupported-fields.js';

const REG: Registration = {
  ID: 'web',
  Name: 'web',
  Tags: [],
  Address: '10.0.0.2',
  Port: 80,
  Meta: {},
  Checks: [{ CheckID: 'service:web:http', Name: 'http', HTTP: 'http://10.0.0.2/', Interval: '10s', DisableRedirects: true }],
};

describe('reconcile/unsupported-fields: UnsupportedFields', () => {
  it('leaves out a check field the agent refuses, and says so once for the host', () => {
    const lines: { field?: string }[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line) as { field?: string }) });
    const fields = new UnsupportedFields(capabilitiesOf([1, 8, 7]), log);
    expect(fields.fit(REG).Checks[0]).to.not.have.property('DisableRedirects');
    fields.fit({ ...REG, ID: 'api' });
    expect(lines.map((l) => l.field)).to.deep.equal(['DisableRedirects']);
  });

  it('sends the registration as it is to an agent that takes every field', () => {
    const fields = new UnsupportedFields(capabilitiesOf([1, 12, 0]), pino({ level: 'silent' }));
    expect(fields.fit(REG)).to.deep.equal(REG);
  });
});
