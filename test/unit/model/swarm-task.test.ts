import { expect } from 'chai';
import { codes } from '../support/findings.js';
import type { ContainerFacts } from '../../../src/model/facts.js';
import { planContainer } from '../../../src/model/plan.js';
import { SWARM_LABELS, swarmNetworks, swarmTask } from '../../../src/model/swarm-task.js';
import { facts, options } from '../support/fixtures.js';

// swarm-task: task 1 of service fixture_web (stack-style name) recorded on dockerd 20.10 (test/fixtures/record-swarm.sh),
// on the swarm-scoped macvlan "swarmlan" (10.97.1.1), the overlay "fixture-ov" and the ingress network (a published port).
const DRIVERS: Record<string, string> = { swarmlan: 'macvlan', 'fixture-ov': 'overlay', ingress: 'overlay' };
/** The task's facts as docker/inspect gives them: with each network's driver read from the engine. */
const task = (labels: Record<string, string> = {}): ContainerFacts => {
  const base = facts('swarm-task');
  return { ...base, labels: { ...base.labels, ...labels }, networks: base.networks.map((n) => ({ ...n, driver: DRIVERS[n.name] ?? '' })) };
};
const TASK_ID = 'm25p8g8n0c7qhgjnh4ic1rdbb';

describe('model/swarm-task: a Swarm task container', () => {
  it('reads the task identity from the labels the engine sets', () => {
    const t = swarmTask(task().labels)!;
    expect(t).to.include({ service: 'fixture_web', name: 'fixture-web', taskId: TASK_ID, slot: '1' });
    expect(t.taskName).to.equal(`fixture_web.1.${TASK_ID}`);
    expect(t.nodeId).to.match(/^[a-z0-9]{25}$/);
  });

  it('has no slot for a global service, whose task name holds the node ID', () => {
    const labels = { ...task().labels, [SWARM_LABELS.taskName]: `fixture_web.r0m1y3h9fywvkb8pfw98dr4ut.${TASK_ID}` };
    expect(swarmTask(labels)?.slot).to.equal('');
  });

  it('is no task without the service name, or with a task or node ID no engine makes', () => {
    expect(swarmTask(facts('user-network').labels)).to.equal(undefined);
    expect(swarmTask({ ...task().labels, [SWARM_LABELS.service]: ' ' })).to.equal(undefined);
    expect(swarmTask({ ...task().labels, [SWARM_LABELS.task]: '../x' })).to.equal(undefined);
    expect(swarmTask({ ...task().labels, [SWARM_LABELS.node]: 'A'.repeat(100) })).to.equal(undefined);
    expect(swarmTask({ ...task().labels, [SWARM_LABELS.service]: '__' })).to.equal(undefined);
    expect(swarmTask({ ...task().labels, [SWARM_LABELS.service]: 'a'.repeat(64) })).to.equal(undefined);
  });

  it("registers it under the service's DNS-safe name, its swarmlan address, an ID holding the task ID, and Meta naming the task", () => {
    const plan = planContainer(task(), options());
    expect(plan.skipped).to.equal(undefined);
    expect(codes(plan.findings)).to.deep.equal([]);
    expect(plan.swarmTask?.taskId).to.equal(TASK_ID);
    expect(plan.registrations).to.have.length(1);
    const [reg] = plan.registrations;
    expect([reg!.Name, reg!.Address, reg!.Port]).to.deep.equal(['fixture-web', '10.97.1.1', 8080]);
    expect(reg!.ID).to.equal(`host1:fixture_web.1.${TASK_ID}:8080`);
    expect(reg!.Meta).to.include({
      swarm_service: 'fixture_web',
      swarm_task: TASK_ID,
      swarm_slot: '1',
      swarm_node: swarmTask(task().labels)!.nodeId,
    });
  });

  it('lets SERVICE_* labels (--container-label) name it and override a Meta key, as for any container', () => {
    const plan = planContainer(task({ SERVICE_NAME: 'api', SERVICE_SWARM_SLOT: 'x' }), options());
    expect(plan.registrations[0]!.Name).to.equal('api');
    expect(plan.registrations[0]!.Meta.swarm_slot).to.equal('x');
  });

  it('never registers the ingress address, nor the published ingress port', () => {
    for (const plan of [planContainer(task(), options()), planContainer(task(), options({ swarmOverlay: true }))]) {
      expect(plan.registrations.map((r) => r.Address)).to.not.include('10.0.0.10');
      expect(plan.registrations.map((r) => r.Port)).to.deep.equal([8080]); // 18080 is published on the ingress only
    }
    const onlyIngress = { ...task(), networks: task().networks.filter((n) => n.name === 'ingress') };
    expect(codes([planContainer(onlyIngress, options({ swarmOverlay: true })).skipped!])).to.deep.equal(['no-address']);
  });

  it('registers an overlay address only with --swarm-overlay, with one finding otherwise', () => {
    const overlayOnly = { ...task(), networks: task().networks.filter((n) => n.name !== 'swarmlan') };
    const refused = planContainer(overlayOnly, options());
    expect(codes([refused.skipped!])).to.deep.equal(['swarm-overlay-skipped']);
    expect(refused.registrations).to.deep.equal([]);
    const asked = planContainer(overlayOnly, options({ swarmOverlay: true }));
    expect(asked.registrations.map((r) => r.Address)).to.deep.equal(['10.0.4.3']);
    const named = planContainer(task({ SERVICE_NETWORK: 'fixture-ov' }), options());
    expect(codes([named.skipped!])).to.deep.equal(['swarm-overlay-skipped']);
    expect(named.skipped!.label).to.equal('SERVICE_NETWORK');
  });

  it('takes the swarm-scoped macvlan network SERVICE_NETWORK or --network names, without a several-networks finding', () => {
    for (const plan of [
      planContainer(task({ SERVICE_NETWORK: 'swarmlan' }), options()),
      planContainer(task(), options({ network: 'swarmlan' })),
    ]) {
      expect(plan.registrations.map((r) => r.Address)).to.deep.equal(['10.97.1.1']);
      expect(codes(plan.findings)).to.deep.equal([]);
    }
    const both = planContainer(task(), options({ swarmOverlay: true }));
    expect(codes(both.findings)).to.deep.equal(['several-networks']);
  });

  it('filters only networks: a driver the engine did not report counts as routable', () => {
    const unknown = { ...task(), networks: task().networks.map((n) => ({ ...n, driver: '' })) };
    const result = swarmNetworks(unknown, undefined, false);
    expect('networks' in result && result.networks.map((n) => n.name).sort()).to.deep.equal(['fixture-ov', 'swarmlan']);
  });
});
