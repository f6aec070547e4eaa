// check-critical: a service registered but left out of DNS because its check is critical, read
// from the agent's checks once per full pass (never per event) and by plan's forecast.
import { expect } from 'chai';
import pino from 'pino';
import { capabilitiesOf } from '../../../src/consul/capabilities.js';
import type { ContainerFacts } from '../../../src/model/facts.js';
import { planContainer } from '../../../src/model/plan.js';
import { criticalCheckFindings } from '../../../src/reconcile/check-findings.js';
import { forecastFirstPass } from '../../../src/reconcile/first-pass.js';
import { Reconciler } from '../../../src/reconcile/reconciler.js';
import { Metrics } from '../../../src/status/metrics.js';
import { MemoryAgent } from '../../support/memory-agent.js';
import { facts, options } from '../support/fixtures.js';
import { MemoryDocker, type LogRecord } from '../support/memory-docker.js';

const LABELS = { SERVICE_CHECK_TCP: 'true', SERVICE_CHECK_INTERVAL: '1s' };
const run = (name: string, labels: Record<string, string> = LABELS): ContainerFacts => ({
  ...facts('user-network'),
  id: name.padEnd(64, '0'),
  name,
  labels,
  env: {},
});

function setUp() {
  const docker = new MemoryDocker();
  const agent = new MemoryAgent();
  const logs: LogRecord[] = [];
  const metrics = new Metrics();
  const log = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line) as LogRecord) });
  const reconciler = new Reconciler({
    docker,
    consul: agent,
    options: {
      model: options({ hostId: 'host1' }),
      deregister: 'always',
      capabilities: capabilitiesOf([1, 8, 7]),
      concurrency: 2,
      writeRetry: { retries: 1, minMs: 1, maxMs: 1 },
    },
    logger: log,
    metrics,
  });
  const critical = () => logs.filter((l) => l.event === 'finding' && l.code === 'check-critical');
  const gauge = () => {
    const line = metrics
      .render()
      .split('\n')
      .find((l) => l.startsWith('registrar_containers_with_finding{code="check-critical"} '))!;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  return { docker, agent, reconciler, critical, gauge };
}

describe('reconcile/check-findings', () => {
  it('names the check and quotes the first line of its output, bounded and printable', () => {
    const checks = [
      { checkId: 'c1', serviceId: 's1', status: 'critical', output: `dial tcp: refused\x1b[31m${'x'.repeat(300)}\nsecond line` },
      { checkId: 'c2', serviceId: 's2', status: 'passing', output: '' },
    ];
    const found = criticalCheckFindings(checks, [
      { id: 's1', port: 80 },
      { id: 's2', port: 81 },
    ]);
    expect(found.map((f) => [f.code, f.port, f.serviceId])).to.deep.equal([['check-critical', '80', 's1']]);
    expect(found[0]!.text).to.include('c1').and.include('dial tcp: refused').and.not.include('second line').and.not.include('\x1b');
    expect(found[0]!.text.length).to.be.below(260);
  });

  it('logs a critical check once per container and port at full passes, counts it, and forgets it once it passes', async () => {
    const { docker, agent, reconciler, critical, gauge } = setUp();
    const c = run('web');
    docker.containers.set(c.id, c);
    await reconciler.fullSync(); // registers it (the pass's list was read before)
    await reconciler.fullSync();
    await reconciler.fullSync();
    expect(critical().map((l) => [l.level, l.container, l.containerId, l.port])).to.deep.equal([[40, 'web', c.id, '6379']]);
    expect(gauge()).to.equal(1);
    const [checkId] = [...agent.checkStatus.keys()];
    agent.checkStatus.set(checkId!, 'passing');
    await reconciler.fullSync();
    expect(gauge()).to.equal(0);
    agent.checkStatus.set(checkId!, 'critical');
    await reconciler.fullSync();
    expect(critical()).to.have.length(2);
    expect(gauge()).to.equal(1);
    docker.containers.set(c.id, { ...c, running: false });
    await reconciler.fullSync();
    expect(gauge(), 'a stopped container is not counted').to.equal(0);
  });

  it('reads no checks on an event sync', async () => {
    const { docker, agent, reconciler } = setUp();
    const c = run('web');
    docker.containers.set(c.id, c);
    await reconciler.syncContainer(c.id);
    await reconciler.syncContainer(c.id);
    expect(agent.checkReads).to.equal(0);
    await reconciler.fullSync();
    expect(agent.checkReads).to.equal(1);
  });

  it("puts check-critical in plan's forecast for a registration whose check on the agent is critical", () => {
    const [c, d] = [run('web'), run('db', { SERVICE_CHECK_TCP: 'true' })];
    const plans = [c, d].map((x) => planContainer(x, options({ hostId: 'host1' })));
    const [web, db] = plans.map((p) => p.registrations[0]!);
    const f = forecastFirstPass({
      plans,
      running: [c, d],
      agent: [],
      checks: [
        { checkId: web!.Checks[0]!.CheckID, serviceId: web!.ID, status: 'critical', output: 'connection refused' },
        { checkId: db!.Checks[0]!.CheckID, serviceId: db!.ID, status: 'passing', output: '' },
      ],
      hostId: 'host1',
      replaceRegistrator: false,
      capabilities: capabilitiesOf([1, 8, 7]),
    });
    expect(f.containers.get(c.id)!.findings.map((x) => [x.code, x.port, x.serviceId])).to.deep.equal([['check-critical', '6379', web!.ID]]);
    expect(f.containers.get(c.id)!.findings[0]!.text).to.include('connection refused');
    expect(f.containers.get(d.id)!.findings).to.deep.equal([]);
  });
});
