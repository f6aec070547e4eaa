// How the reconciler reports findings: one line per container and code (port, label), at warn for
// refusals and info for skips, never repeated while it lasts; and the gauge of containers by code.
import { expect } from 'chai';
import pino from 'pino';
import { capabilitiesOf } from '../../../src/consul/capabilities.js';
import type { ContainerFacts } from '../../../src/model/facts.js';
import { FINDING_CODES } from '../../../src/model/finding-codes.js';
import { Reconciler } from '../../../src/reconcile/reconciler.js';
import { Metrics } from '../../../src/status/metrics.js';
import { MemoryAgent } from '../../support/memory-agent.js';
import { facts, options } from '../support/fixtures.js';
import { MemoryDocker, type LogRecord } from '../support/memory-docker.js';

function setUp() {
  const docker = new MemoryDocker();
  const logs: LogRecord[] = [];
  const metrics = new Metrics();
  const log = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line) as LogRecord) });
  const model = options({ hostId: 'host1' });
  const reconciler = new Reconciler({
    docker,
    consul: new MemoryAgent(),
    options: {
      model,
      deregister: 'always',
      capabilities: capabilitiesOf([1, 8, 7]),
      concurrency: 2,
      writeRetry: { retries: 1, minMs: 1, maxMs: 1 },
    },
    logger: log,
    metrics,
  });
  const run = (id: string, base: ContainerFacts, labels: Record<string, string> = {}): ContainerFacts => {
    const c: ContainerFacts = { ...base, id: id.padEnd(64, '0'), name: id, labels, env: {} };
    docker.containers.set(c.id, c);
    return c;
  };
  const findings = () => logs.filter((l) => l.event === 'finding');
  const gauge = (code: string) => {
    const line = metrics
      .render()
      .split('\n')
      .find((l) => l.startsWith(`registrar_containers_with_finding{code="${code}"} `));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  return { docker, reconciler, run, findings, gauge };
}

describe('reconcile/reconciler: findings in the log and /metrics', () => {
  it('logs a container without ports once, at info, with its code', async () => {
    const { reconciler, run, findings } = setUp();
    const c = run('bare', facts('no-expose'));
    await reconciler.syncContainer(c.id);
    await reconciler.syncContainer(c.id);
    await reconciler.fullSync();
    expect(findings().map((l) => [l.level, l.code, l.container, l.containerId])).to.deep.equal([[30, 'no-ports', 'bare', c.id]]);
  });

  it('logs a refusal at warn with its label and port, keyed on them and not on the text', async () => {
    const { docker, reconciler, run, findings: all } = setUp();
    const findings = () => all().filter((l) => l.code === 'ignore-not-boolean');
    const c = run('odd', facts('user-network'), { SERVICE_6379_IGNORE: 'maybe' });
    await reconciler.syncContainer(c.id);
    expect(findings().map((l) => [l.level, l.code, l.port, l.label])).to.deep.equal([
      [40, 'ignore-not-boolean', '6379', 'SERVICE_6379_IGNORE'],
    ]);
    // Another value, the same finding: not logged again.
    docker.containers.set(c.id, { ...c, labels: { SERVICE_6379_IGNORE: 'perhaps' } });
    await reconciler.syncContainer(c.id);
    expect(findings()).to.have.length(1);
    // Gone, then back: logged again.
    docker.containers.set(c.id, { ...c, labels: {} });
    await reconciler.syncContainer(c.id);
    docker.containers.set(c.id, c);
    await reconciler.syncContainer(c.id);
    expect(findings()).to.have.length(2);
  });

  it('counts running containers by code, every code of the table present from the first scrape', async () => {
    const { docker, reconciler, run, gauge } = setUp();
    for (const code of Object.keys(FINDING_CODES)) expect(gauge(code), code).to.equal(0);
    const a = run('a', facts('no-expose'));
    const b = run('b', facts('no-expose'));
    run('c', facts('user-network'), { SERVICE_NAM: 'typo' });
    await reconciler.fullSync();
    expect([gauge('no-ports'), gauge('unknown-key')]).to.deep.equal([2, 1]);
    docker.containers.set(a.id, { ...a, running: false });
    await reconciler.syncContainer(a.id, { stopped: { name: 'a', exitCode: 0, removed: false } });
    docker.containers.delete(b.id);
    await reconciler.fullSync();
    expect(gauge('no-ports')).to.equal(0);
    expect(gauge('not-running'), 'stopped containers are not counted').to.equal(0);
  });
});
