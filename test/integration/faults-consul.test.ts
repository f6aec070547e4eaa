// Consul faults (issue: survive faults with nothing lost). Each test runs the registrar against a
// private dev agent it can kill and restart, and ends asserting Consul holds exactly the running
// containers, with a foreign service untouched.
import { expect } from 'chai';
import { PrivateConsul } from '../support/consul-agent.js';
import { Fleet } from '../support/fleet.js';
import { isFullPass, RegistrarProcess } from '../support/registrar-process.js';
import { cleanup, docker, requireRig, runContainer, uniqueName, waitFor } from '../support/rig.js';

describe('faults: Consul', function () {
  this.timeout(90_000);
  const consul = new PrivateConsul(18500);
  const running: RegistrarProcess[] = [];
  const registrar = (hostId: string, extra: string[] = []) => {
    const r = new RegistrarProcess(['--consul-addr', consul.addr, '--host-id', hostId, '--resync', '0', '--agent-poll', '0.5', ...extra]);
    running.push(r);
    return r;
  };
  const newFleet = () => new Fleet((filter) => consul.services(filter));
  const foreign = { ID: 'foreign-web', Name: 'foreign-web', Port: 80, Meta: { registrar_host: 'someone-else', registrar_container: 'x' } };
  const expectForeignUntouched = async () => expect(await consul.services('ID == "foreign-web"')).to.have.property('foreign-web');

  before(requireRig);
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.stop('SIGKILL')));
    await cleanup();
  });
  after(() => consul.kill());

  it('keeps retrying while Consul is unreachable at start, then registers everything', async () => {
    await consul.kill();
    const fleet = newFleet();
    await Promise.all([fleet.start(), fleet.start(), fleet.start()]);
    const r = registrar(fleet.hostId);
    const line = await r.waitForLog('a retry message', (l) => l.event === 'retrying' && l.dependency === 'Consul');
    expect(line.cause).to.equal('unreachable');
    await new Promise((res) => setTimeout(res, 1500));
    expect(r.alive, 'the registrar keeps running').to.equal(true);
    await consul.start();
    await consul.register(foreign);
    const ms = await fleet.converged(20_000);
    await expectForeignUntouched();
    console.log(`      converged ${ms} ms after Consul came up`);
  });

  it('converges after Consul goes down mid-run while containers start and stop', async () => {
    await consul.restart();
    await consul.register(foreign);
    const fleet = newFleet();
    const [a, b] = await Promise.all([fleet.start(), fleet.start(), fleet.start()]);
    const r = registrar(fleet.hostId);
    await fleet.converged(10_000);
    await consul.kill();
    await Promise.all([
      docker.getContainer(a).stop({ t: 0 }),
      docker.getContainer(b).remove({ force: true }),
      fleet.start(),
      fleet.start(),
    ]);
    await r.waitForLog('failed syncs while Consul is down', (l) => l.event === 'sync-failed');
    await consul.start();
    await consul.register(foreign);
    const ms = await fleet.converged(10_000);
    await expectForeignUntouched();
    expect(r.alive).to.equal(true);
    console.log(`      converged ${ms} ms after Consul came back`);
  });

  it('re-registers every owned service within 5 s when the agent restarts with its state lost, without the periodic pass', async () => {
    await consul.restart();
    const fleet = newFleet();
    await Promise.all(Array.from({ length: 5 }, () => fleet.start()));
    registrar(fleet.hostId);
    await fleet.converged(10_000);
    await consul.restart();
    await consul.register(foreign);
    const restartedAt = Date.now();
    await fleet.converged(5_000);
    await expectForeignUntouched();
    console.log(`      all services back ${Date.now() - restartedAt} ms after the agent answered again`);
  });

  it('reports a registration Consul refuses once, naming the container, registers the others, and retries on every pass', async () => {
    // A realistic refusal: an ACL token that may write only services named ok-*. Its secret must never be logged.
    const guarded = new PrivateConsul(18700, true);
    try {
      await guarded.start();
      const token = await guarded.tokenForServicePrefix('ok-');
      const hostId = uniqueName('acl-host');
      const good = uniqueName('ok');
      const bad = uniqueName('denied');
      await runContainer({ name: good, cmd: ['sleep', '600'], expose: ['80'], labels: { SERVICE_NAME: good } });
      await runContainer({ name: bad, cmd: ['sleep', '600'], expose: ['80'], labels: { SERVICE_NAME: bad } });
      // --ttl too: the token may not write the registrar's own service either.
      const r = new RegistrarProcess(
        ['--consul-addr', guarded.addr, '--host-id', hostId, '--resync', '1', '--ttl', '3', '--ttl-refresh', '0.5'],
        { CONSUL_HTTP_TOKEN: token },
      );
      running.push(r);
      await waitFor(
        'the permitted container registered',
        async () => Object.keys(await guarded.services(`Service == "${good}"`)).length === 1,
      );
      await r.waitForLog('an error naming the container', (l) => l.event === 'refused' && l.container === bad);
      await new Promise((res) => setTimeout(res, 3500)); // three more passes
      const passes = r.logs.filter(isFullPass);
      expect(passes.length).to.be.at.least(3);
      expect(
        r.logs.filter((l) => l.event === 'refused' && l.container === bad),
        'logged once, not once per pass',
      ).to.have.length(1);
      expect(passes.at(-1)!.failed, 'still retried, still refused').to.equal(1);
      const ttlWarnings = r.logs.filter((l) => l.event === 'ttl-refresh-failed' && l.status === 403);
      expect(ttlWarnings, 'the --ttl refusal: one warning for a run of failed refreshes').to.have.length(1);
      expect(JSON.stringify(r.logs) + r.stderr.join('\n')).to.not.include(token);
    } finally {
      await guarded.kill();
    }
  });

  it('lets two registrars with different host IDs share one agent without touching each other', async () => {
    await consul.restart();
    const one = newFleet();
    const two = newFleet();
    await Promise.all([one.start(), two.start()]);
    const r1 = registrar(one.hostId);
    const r2 = registrar(two.hostId);
    await r1.waitForLog('first pass', isFullPass);
    await r2.waitForLog('first pass', isFullPass);
    // Each registers every container under its own host ID; neither removes the other's.
    const all = await consul.services('Meta.registrar_host != ""');
    const byHost = (h: string) => Object.values(all).filter((s) => s.Meta.registrar_host === h).length;
    expect(byHost(one.hostId)).to.equal(2);
    expect(byHost(two.hostId)).to.equal(2);
    await r2.stop('SIGKILL');
    const r2again = registrar(two.hostId);
    await r2again.waitForLog('pass after restart', isFullPass);
    expect(Object.keys(await consul.services(`Meta.registrar_host == "${one.hostId}"`))).to.have.length(2);
  });

  it('exits within 5 s on SIGTERM and keeps registrations by default; --deregister-on-exit removes them', async () => {
    await consul.restart();
    const fleet = newFleet();
    await Promise.all([fleet.start(), fleet.start()]);
    const keep = registrar(fleet.hostId);
    await fleet.converged(10_000);
    let t = Date.now();
    expect(await keep.stop('SIGTERM')).to.equal(0);
    expect(Date.now() - t).to.be.below(5000);
    expect((await fleet.ownedIds()).size, 'registrations stay').to.equal(2);

    const remove = registrar(fleet.hostId, ['--deregister-on-exit']);
    await remove.waitForLog('first pass', isFullPass);
    t = Date.now();
    expect(await remove.stop('SIGTERM')).to.equal(0);
    expect(Date.now() - t).to.be.below(5000);
    expect((await fleet.ownedIds()).size, 'registrations removed').to.equal(0);
  });
});
