import { expect } from 'chai';
import { MAX_OUTPUT, OutputBuffer, outcomeOf, truncate } from '../../../src/checks/outcome.js';
import { healthOutcome } from '../../../src/checks/run-job.js';
import type { ContainerFacts, HealthFact } from '../../../src/model/facts.js';
import { facts } from '../support/fixtures.js';

describe('checks/outcome: outcomeOf', () => {
  it('takes exit 0 as passing, 1 as warning and anything else as critical', () => {
    expect(outcomeOf(0, 'ok')).to.deep.equal({ status: 'passing', output: 'ok' });
    expect(outcomeOf(1, 'meh')).to.deep.equal({ status: 'warning', output: 'meh' });
    for (const code of [2, 3, 127, 137, 255, -1]) expect(outcomeOf(code, '').status, `exit ${code}`).to.equal('critical');
  });

  it('takes no exit code (killed by a signal) as critical', () => {
    expect(outcomeOf(null, 'killed').status).to.equal('critical');
  });

  it("truncates long output to Consul's limit", () => {
    const { output } = outcomeOf(0, 'x'.repeat(10_000));
    expect(output.length).to.be.at.most(MAX_OUTPUT);
    expect(output).to.match(/^x+\n\[truncated\]$/);
  });
});

describe('checks/outcome: truncate', () => {
  it('leaves output up to 4096 characters as it is', () => {
    expect(MAX_OUTPUT).to.equal(4096);
    const exact = 'y'.repeat(MAX_OUTPUT);
    expect(truncate(exact)).to.equal(exact);
    expect(truncate('')).to.equal('');
  });

  it('cuts longer output to at most 4096 characters and says so', () => {
    const cut = truncate('z'.repeat(MAX_OUTPUT + 1));
    expect(cut.length).to.be.at.most(MAX_OUTPUT);
    expect(cut.endsWith('[truncated]')).to.equal(true);
  });
});

describe('checks/outcome: OutputBuffer', () => {
  it('joins chunks in order', () => {
    const b = new OutputBuffer();
    b.add(Buffer.from('hello '));
    b.add(Buffer.from('world'));
    expect(b.text()).to.equal('hello world');
  });

  it('stops keeping output once past the limit', () => {
    const b = new OutputBuffer();
    for (let i = 0; i < 100; i++) b.add(Buffer.from('a'.repeat(1000)));
    const text = b.text();
    expect(text.length).to.be.greaterThan(MAX_OUTPUT);
    expect(text.length, 'at most one chunk past the limit').to.be.at.most(MAX_OUTPUT + 1000);
    expect(truncate(text).length).to.be.at.most(MAX_OUTPUT);
  });
});

describe('checks/run-job: healthOutcome', () => {
  const withHealth = (health: HealthFact | undefined): ContainerFacts => {
    const f = facts('user-network');
    return health ? { ...f, health } : f;
  };

  it("takes healthy as passing, with the engine's last probe output", () => {
    expect(healthOutcome(withHealth({ status: 'healthy', output: 'all good', intervalMs: 5000 }))).to.deep.equal({
      status: 'passing',
      output: 'all good',
    });
  });

  it('takes starting as critical and says no probe has passed yet', () => {
    const outcome = healthOutcome(withHealth({ status: 'starting', output: '', intervalMs: 5000 }));
    expect(outcome.status).to.equal('critical');
    expect(outcome.output).to.include('starting');
  });

  it('takes unhealthy as critical, with the probe output', () => {
    const outcome = healthOutcome(withHealth({ status: 'unhealthy', output: 'connection refused', intervalMs: 5000 }));
    expect(outcome.status).to.equal('critical');
    expect(outcome.output).to.include('unhealthy').and.include('connection refused');
  });

  it('takes a container without a health check, or one that is gone, as critical', () => {
    expect(healthOutcome(withHealth(undefined)).status).to.equal('critical');
    expect(healthOutcome(undefined).status).to.equal('critical');
  });

  it('truncates long probe output', () => {
    const outcome = healthOutcome(withHealth({ status: 'healthy', output: 'p'.repeat(20_000), intervalMs: 5000 }));
    expect(outcome.output.length).to.be.at.most(MAX_OUTPUT);
  });
});
