// Docker-side faults: a restarted dockerd, a registrar killed while containers come and go, and a
// crash-looping container (pause is in the registration suite, which Podman runs too). The restart
// is of a dockerd the test starts itself; the rest run on the rig's dockerd, with the rig's Consul.
import { expect } from 'chai';
import { Fleet } from '../support/fleet.js';
import { PrivateDockerd } from '../support/private-dockerd.js';
import { isFullPass, RegistrarProcess } from '../support/registrar-process.js';
import { agentServices, cleanup, docker, requireRig, waitFor } from '../support/rig.js';

describe('faults: Docker', function () {
  this.timeout(120_000);
  const running: RegistrarProcess[] = [];
  const hostIds: string[] = [];
  const start = (fleet: Fleet, extra: string[] = [], env: Record<string, string> = {}) => {
    const r = new RegistrarProcess(['--host-id', fleet.hostId, '--resync', '0', ...extra], env);
    running.push(r);
    hostIds.push(fleet.hostId);
    return r;
  };
  const newFleet = () => new Fleet((filter) => agentServices(filter));

  before(requireRig);
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.stop('SIGKILL')));
    await cleanup(hostIds.splice(0));
  });

  it('reconnects after dockerd restarts, re-lists, and removes the containers that died in the gap', async () => {
    // A dockerd of the test's own: restarting the machine's Docker is never the tests' to do.
    const dockerd = new PrivateDockerd({ bridge: 'crfault0', subnet: '10.96.0.1/24' });
    try {
      await dockerd.start();
      dockerd.loadTestImage();
      await restartTest(dockerd);
    } finally {
      await dockerd.destroy();
    }
  });

  async function restartTest(dockerd: PrivateDockerd): Promise<void> {
    const fleet = new Fleet((filter) => agentServices(filter), dockerd.engine);
    await Promise.all([fleet.start(), fleet.start({ restart: 'always' })]);
    const r = start(fleet, [], { DOCKER_HOST: dockerd.host });
    await fleet.converged(10_000);
    const restarted = Date.now();
    await dockerd.restart();
    // The plain container is gone for good; the restart=always one comes back with the daemon.
    const ms = await fleet.converged(20_000);
    expect((await fleet.expectedIds()).size).to.equal(1);
    expect(r.alive).to.equal(true);
    expect(r.logs.filter((l) => l.event === 'events-connected').length, 'reconnected').to.be.at.least(2);
    console.log(`      converged ${Date.now() - restarted} ms after the restart began (${ms} ms after dockerd answered)`);
  }

  it('converges after being SIGKILLed while containers started and stopped', async () => {
    const fleet = newFleet();
    const [a, b] = await Promise.all([fleet.start(), fleet.start(), fleet.start()]);
    const first = start(fleet);
    await fleet.converged(10_000);
    await first.stop('SIGKILL');
    await Promise.all([
      docker.getContainer(a).stop({ t: 0 }),
      docker.getContainer(b).remove({ force: true }),
      fleet.start(),
      fleet.start(),
    ]);
    start(fleet);
    const ms = await fleet.converged(10_000);
    console.log(`      converged ${ms} ms after the restart`);
  });

  it('keeps a crash-looping container registered only while it runs, with bounded Consul writes', async () => {
    const fleet = newFleet();
    const r = start(fleet);
    await r.waitForLog('first pass', isFullPass);
    const since = Math.floor(Date.now() / 1000);
    const name = await fleet.start({ restart: 'always', cmd: ['sh', '-c', 'sleep 0.5; exit 1'] });
    await new Promise((res) => setTimeout(res, 30_000));
    await docker.getContainer(name).update({ RestartPolicy: { Name: 'no' } });
    await waitFor('the loop to end', async () => !(await docker.getContainer(name).inspect()).State.Running, 10_000);
    await fleet.converged(3_000);
    const until = Math.ceil(Date.now() / 1000);
    const starts = await countEvents(name, since, until, 'start');
    const writes = r.logs.filter((l) => l.container === name && (l.event === 'registered' || l.event === 'deregistered')).length;
    console.log(`      ${starts} starts in ${until - since} s; ${writes} Consul writes (${(writes / (until - since)).toFixed(2)}/s)`);
    expect(starts).to.be.at.least(3);
    expect(writes, 'at most a register and a deregister per start').to.be.at.most(2 * starts + 2);
  });
});

async function countEvents(name: string, since: number, until: number, action: string): Promise<number> {
  const stream = await docker.getEvents({ since, until, filters: { container: [name], event: [action] } });
  let text = '';
  for await (const chunk of stream as AsyncIterable<Buffer>) text += chunk.toString();
  return text.split('\n').filter((l) => l.trim() !== '').length;
}
