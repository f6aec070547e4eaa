// What `plan` says the first full pass would do: the same claims, guard and Registrator rules as
// the reconciler, the fields the agent refuses left out, and this host ID's services removed.
import { expect } from 'chai';
import { capabilitiesOf } from '../../../src/consul/capabilities.js';
import type { ContainerFacts } from '../../../src/model/facts.js';
import { planContainer } from '../../../src/model/plan.js';
import { forecastFirstPass, type ForecastInput } from '../../../src/reconcile/first-pass.js';
import type { AgentService } from '../../../src/reconcile/service-agent.js';
import { facts, options } from '../support/fixtures.js';

const HOST = 'host1';
const run = (name: string, labels: Record<string, string> = {}): ContainerFacts => ({
  ...facts('user-network'),
  id: name.padEnd(64, '0'),
  name,
  labels,
  env: {},
});
const addressOf = (c: ContainerFacts) => c.networks[0]!.ipv4;
const svc = (id: string, meta: Record<string, string>, address = '10.9.9.9', port = 6379): AgentService => ({
  id,
  name: 'x',
  address,
  port,
  meta,
});

function forecast(containers: ContainerFacts[], agent: AgentService[], more: Partial<ForecastInput> = {}) {
  return forecastFirstPass({
    plans: containers.map((c) => planContainer(c, options({ hostId: HOST }))),
    running: containers,
    agent,
    hostId: HOST,
    replaceRegistrator: false,
    capabilities: capabilitiesOf([1, 8, 7]),
    ...more,
  });
}
const codes = (f: ReturnType<typeof forecast>, c: ContainerFacts) => f.containers.get(c.id)!.findings.map((x) => [x.code, x.serviceId]);
const ids = (f: ReturnType<typeof forecast>, c: ContainerFacts) => f.containers.get(c.id)!.registrations.map((r) => r.ID);

describe('reconcile/first-pass: forecastFirstPass', () => {
  it("refuses a foreign service's ID and registers the rest", () => {
    const c = run('pay', { SERVICE_ID: 'payments-1' });
    const f = forecast([c], [svc('payments-1', { team: 'payments' })]);
    expect(ids(f, c)).to.deep.equal([]);
    expect(codes(f, c)).to.deep.equal([['foreign-id', 'payments-1']]);
    expect(f.removals).to.deep.equal([]);
  });

  it('gives an ID two containers ask for to the first, as the claims do', () => {
    const [a, b] = [run('a', { SERVICE_ID: 'db' }), run('b', { SERVICE_ID: 'db' })];
    const f = forecast([a, b], []);
    expect(ids(f, a)).to.deep.equal(['db']);
    expect(codes(f, b)).to.deep.equal([['service-id-claimed', 'db']]);
  });

  it("lists this host ID's services of gone containers and those a running one no longer asks for, and nothing else", () => {
    const c = run('web', { SERVICE_NAME: 'web' });
    const mine = `${HOST}:web:6379`;
    const agent = [
      svc(mine, { registrar_host: HOST, registrar_container: c.id }),
      svc(`${HOST}:web:9999`, { registrar_host: HOST, registrar_container: c.id }),
      svc(`${HOST}:gone:80`, { registrar_host: HOST, registrar_container: 'g'.repeat(64) }),
      svc('other-host:x:80', { registrar_host: 'host2', registrar_container: 'g'.repeat(64) }),
      svc('foreign', {}),
    ];
    const f = forecast([c], agent);
    expect(f.removals.map((r) => [r.serviceId, r.reason])).to.deep.equal([
      [`${HOST}:web:9999`, 'no-longer-wanted'],
      [`${HOST}:gone:80`, 'container-not-running'],
    ]);
    expect(ids(f, c)).to.deep.equal([mine]);
    const kept = forecast([c], agent, { keeping: new Set(['g'.repeat(64)]) });
    expect(
      kept.removals.map((r) => r.serviceId),
      '--deregister on-success, exited non-zero',
    ).to.deep.equal([`${HOST}:web:9999`]);
  });

  it("does not remove a gone container's service that a running one asks for: that one takes it over", () => {
    const c = run('new', { SERVICE_ID: 'db' });
    const f = forecast([c], [svc('db', { registrar_host: HOST, registrar_container: 'g'.repeat(64) })]);
    expect(f.removals).to.deep.equal([]);
    expect(ids(f, c)).to.deep.equal(['db']);
  });

  it('marks an ID the HTTP API cannot deregister as handed to the reaper', () => {
    const f = forecast([], [svc('../x', { registrar_host: HOST, registrar_container: 'g'.repeat(64) })]);
    expect(f.removals).to.deep.equal([
      { serviceId: '../x', name: 'x', containerId: 'g'.repeat(64), reason: 'container-not-running', reaper: true },
    ]);
  });

  describe("Registrator's entries", () => {
    const c = run('web', { SERVICE_NAME: 'web' });
    const same = `${HOST}:web:6379`;
    const theirs = '3f9a2c81b7d4:web:6379';
    it('under our ID: nothing for that port without --replace-registrator, adopted in place with it', () => {
      const agent = [svc(same, {}, addressOf(c))];
      const without = forecast([c], agent);
      expect(ids(without, c)).to.deep.equal([]);
      expect(codes(without, c)).to.deep.equal([['registrator-id', same]]);
      const withFlag = forecast([c], agent, { replaceRegistrator: true });
      expect(ids(withFlag, c)).to.deep.equal([same]);
      expect(codes(withFlag, c)).to.deep.equal([['registrator-adopted', same]]);
    });
    it('under another ID: left beside ours without the flag, replaced once ours answers with it', () => {
      const agent = [svc(theirs, {}, addressOf(c))];
      expect(codes(forecast([c], agent), c)).to.deep.equal([['registrator-entry-kept', theirs]]);
      const withFlag = forecast([c], agent, { replaceRegistrator: true });
      expect(ids(withFlag, c)).to.deep.equal([same]);
      expect(codes(withFlag, c)).to.deep.equal([['registrator-entry-replaced', theirs]]);
    });
  });

  it('leaves out the check fields the agent refuses, with a finding naming each', () => {
    const c = run('web', { SERVICE_NAME: 'web', SERVICE_CHECK_HTTP: '/health' });
    const old = forecast([c], [], { capabilities: capabilitiesOf([1, 9, 0]) });
    const checks = old.containers.get(c.id)!.registrations[0]!.Checks;
    expect(checks.some((check) => 'DisableRedirects' in check)).to.equal(false);
    const findings = old.containers.get(c.id)!.findings;
    expect(findings.map((x) => [x.code, x.field])).to.deep.include(['check-field-unsupported', 'DisableRedirects']);
    const current = forecast([c], [], { capabilities: capabilitiesOf([1, 20, 0]) });
    expect(current.containers.get(c.id)!.findings).to.deep.equal([]);
    expect(current.containers.get(c.id)!.registrations[0]!.Checks.some((check) => 'DisableRedirects' in check)).to.equal(true);
  });
});
