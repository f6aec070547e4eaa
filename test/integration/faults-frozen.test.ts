// A daemon frozen mid-run (SIGSTOP: a Consul agent in a long GC or disk stall, a dockerd wedged on
// its storage) while containers change, then resumed. Each test freezes a daemon of its own, never
// the machine's: the registrar must keep answering /healthz (503 naming the daemon) and converge
// within seconds of SIGCONT, with nothing missing, nothing stale and the foreign service untouched.
import { expect } from 'chai';
import { PrivateConsul } from '../support/consul-agent.js';
import { Fleet } from '../support/fleet.js';
import { PrivateDockerd } from '../support/private-dockerd.js';
import { isFullPass, RegistrarProcess } from '../support/registrar-process.js';
import { agentServices, cleanup, docker, registerForeign, deregister, requireRig, uniqueName, waitFor } from '../support/rig.js';

const FREEZE_MS = 20_000;
/** /healthz waits at most 2 s for Docker's ping (TIMINGS.healthDockerPingMs); the rest is slack for a loaded machine. */
const HEALTH_BOUND_MS = 2_500;

/** Polls /healthz every 250 ms until stopped: the slowest answer, and whether one said 503 with `failing` false. */
function watchHealth(
  registrar: RegistrarProcess,
  failing: 'docker' | 'consul',
): { stop: () => Promise<{ slowestMs: number; saw503: boolean }> } {
  let slowestMs = 0;
  let saw503 = false;
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      const { status, body } = await registrar.healthz();
      slowestMs = Math.max(slowestMs, performance.now() - started);
      if (status === 503 && body[failing] === false) saw503 = true;
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { slowestMs, saw503 };
    },
  };
}

const freeze = (pid: number) => process.kill(pid, 'SIGSTOP');
const thaw = (pid: number) => {
  try {
    process.kill(pid, 'SIGCONT');
  } catch {
    // already gone
  }
};

describe('faults: a daemon frozen for 20 s mid-run', function () {
  this.timeout(120_000);
  const running: RegistrarProcess[] = [];
  const hostIds: string[] = [];

  before(requireRig);
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.stop('SIGKILL')));
    await cleanup(hostIds.splice(0));
  });

  it('Consul frozen while containers start, stop and go: /healthz 503 within its bound, converged within 5 s of SIGCONT', async () => {
    const consul = new PrivateConsul(19200);
    await consul.start();
    try {
      const fleet = new Fleet((filter) => consul.services(filter));
      hostIds.push(fleet.hostId);
      const foreign = uniqueName('foreign');
      await consul.register({ ID: foreign, Name: foreign, Port: 1 });
      const [a, b] = await Promise.all([fleet.start(), fleet.start(), fleet.start()]);
      // Defaults throughout (a 10 s request deadline): the freeze outlasts it twice.
      const registrar = new RegistrarProcess(['--host-id', fleet.hostId], { CONSUL_HTTP_ADDR: consul.addr });
      running.push(registrar);
      await fleet.converged(10_000);
      const health = watchHealth(registrar, 'consul');
      freeze(consul.pid);
      try {
        await docker.getContainer(a).stop({ t: 0 });
        await docker.getContainer(b).remove({ force: true });
        await Promise.all([fleet.start(), fleet.start()]);
        await new Promise((r) => setTimeout(r, FREEZE_MS));
      } finally {
        thaw(consul.pid);
      }
      const thawed = Date.now();
      await fleet.converged(5_000);
      const ms = Date.now() - thawed;
      const { slowestMs, saw503 } = await health.stop();
      expect(registrar.alive).to.equal(true);
      expect(saw503, '/healthz said 503 with consul: false during the freeze').to.equal(true);
      expect(slowestMs, 'slowest /healthz answer').to.be.below(HEALTH_BOUND_MS);
      expect(Object.keys(await consul.services(`ID == "${foreign}"`))).to.deep.equal([foreign]);
      console.log(`      converged ${ms} ms after SIGCONT; slowest /healthz ${slowestMs.toFixed(0)} ms`);
    } finally {
      await consul.kill();
    }
  });

  it('dockerd frozen while a container exits: /healthz 503 within its bound, converged within 5 s of SIGCONT', async () => {
    const dockerd = new PrivateDockerd({ bridge: 'crfreeze0', subnet: '10.96.1.1/24' });
    const foreign = uniqueName('foreign');
    try {
      await dockerd.start();
      dockerd.loadTestImage();
      await registerForeign({ ID: foreign, Name: foreign, Port: 1 });
      const fleet = new Fleet((filter) => agentServices(filter), dockerd.engine);
      hostIds.push(fleet.hostId);
      // One container exits on its own while dockerd is frozen: dockerd hears of it only after SIGCONT.
      await Promise.all([fleet.start(), fleet.start(), fleet.start({ cmd: ['sleep', '8'] })]);
      const registrar = new RegistrarProcess(['--host-id', fleet.hostId], { DOCKER_HOST: dockerd.host });
      running.push(registrar);
      await registrar.waitForLog('first pass', isFullPass);
      await fleet.converged(10_000);
      const health = watchHealth(registrar, 'docker');
      freeze(dockerd.pid);
      try {
        await new Promise((r) => setTimeout(r, FREEZE_MS));
      } finally {
        thaw(dockerd.pid);
      }
      const thawed = Date.now();
      await waitFor('dockerd to see the short-lived container exit', async () => (await fleet.expectedIds()).size === 2, 5_000);
      await fleet.converged(5_000);
      const ms = Date.now() - thawed;
      const { slowestMs, saw503 } = await health.stop();
      expect(registrar.alive).to.equal(true);
      expect(saw503, '/healthz said 503 with docker: false during the freeze').to.equal(true);
      expect(slowestMs, 'slowest /healthz answer').to.be.below(HEALTH_BOUND_MS);
      expect(Object.keys(await agentServices(`ID == "${foreign}"`))).to.deep.equal([foreign]);
      console.log(`      converged ${ms} ms after SIGCONT; slowest /healthz ${slowestMs.toFixed(0)} ms`);
    } finally {
      thaw(dockerd.pid);
      await deregister(foreign).catch(() => undefined);
      await dockerd.destroy();
    }
  });
});
