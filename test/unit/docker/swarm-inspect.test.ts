import { expect } from 'chai';
import type { ContainerInspectInfo } from 'dockerode';
import { inspectFacts, type ContainerReads } from '../../../src/docker/inspect.js';
import { planContainer } from '../../../src/model/plan.js';
import { formatPlan, planJson } from '../../../src/plan-report.js';
import { inspect, options } from '../support/fixtures.js';

/** An engine holding the recorded Swarm task, whose networks' drivers it answers as dockerd 20.10 did. */
function engine(task: ContainerInspectInfo, reads: string[]): ContainerReads {
  const drivers: Record<string, string> = {};
  for (const [name, n] of Object.entries(task.NetworkSettings.Networks)) drivers[n.NetworkID] = name === 'swarmlan' ? 'macvlan' : 'overlay';
  return {
    getContainer: () => ({ inspect: async () => task }),
    listContainers: async () => [{ Id: task.Id }],
    getNetwork: (id) => ({
      inspect: async () => {
        reads.push(id);
        return { Driver: drivers[id] };
      },
    }),
  };
}

describe('docker/inspect and plan: a Swarm task', () => {
  it("reads each network's driver once, and registers only the routable network's address", async () => {
    const reads: string[] = [];
    const docker = engine(inspect('swarm-task'), reads);
    const cache = new Map<string, string>();
    const facts = (await inspectFacts(docker, 'x', cache))!;
    await inspectFacts(docker, 'x', cache);
    expect(reads).to.have.length(3); // swarmlan, the overlay, the ingress: once each
    expect(Object.fromEntries(facts.networks.map((n) => [n.name, n.driver]))).to.deep.equal({
      swarmlan: 'macvlan',
      'fixture-ov': 'overlay',
      ingress: 'overlay',
    });
    expect(planContainer(facts, options()).registrations.map((r) => r.Address)).to.deep.equal(['10.97.1.1']);
  });

  it('reads no drivers for a plain container', async () => {
    const reads: string[] = [];
    const plain = inspect('user-network');
    await inspectFacts({ ...engine(plain, reads), getContainer: () => ({ inspect: async () => plain }) }, 'x');
    expect(reads).to.deep.equal([]);
  });

  it('shows the task identity it read in plan and plan --json', async () => {
    const facts = (await inspectFacts(engine(inspect('swarm-task'), []), 'x'))!;
    const plan = planContainer(facts, options());
    expect(formatPlan([plan]))
      .to.include('swarm task m25p8g8n0c7qhgjnh4ic1rdbb of service fixture_web')
      .and.include('slot 1');
    const json = JSON.parse(planJson([plan])) as { containers: { swarmTask: Record<string, string> }[] };
    expect(json.containers[0]!.swarmTask).to.include({ service: 'fixture_web', taskId: 'm25p8g8n0c7qhgjnh4ic1rdbb', slot: '1' });
  });
});
