import { expect } from 'chai';
import { readConfig } from '../../src/config.js';
import { planArgs } from '../../src/inherited-args.js';

describe('plan inside the running registrar container', () => {
  it("takes PID 1's flags, drops its command, and lets its own flags win", () => {
    expect(planArgs(['plan'], undefined)).to.deep.equal(['plan']);
    expect(planArgs(['plan', '--json'], ['run', '--host-id', 'run', '--resync=5'])).to.deep.equal([
      '--host-id',
      'run',
      '--resync=5',
      'plan',
      '--json',
    ]);
    const { command, values } = readConfig(planArgs(['plan', '--resync', '7'], ['--resync', '5', '--host-id', 'h1']), {});
    expect(command).to.equal('plan');
    expect(values).to.include({ resync: '7', 'host-id': 'h1' });
  });

  it("reads Registrator's command line at PID 1 as the registrar did: its Consul address and the takeover", () => {
    const { command, values, container } = readConfig(planArgs(['plan', 'web'], ['-internal', 'consul://consul:8500']), {});
    expect(command).to.equal('plan');
    expect(container).to.equal('web');
    expect(values).to.include({ 'consul-addr': 'consul:8500', 'replace-registrator': 'true' });
  });
});
