// What Podman does differently around a container's life (issue 15), on a real Podman 4.3 API
// service: kill and removal, and a restart of the service itself. Run with RIG_ENGINE=podman
// (npm run test:podman); the registration and checks suites run against Podman the same way.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import Docker from 'dockerode';
import { RegistrarProcess } from '../support/registrar-process.js';
import { agentServices, cleanup, docker, ENGINE, requireRig, runContainer, uniqueName, waitFor } from '../support/rig.js';

const HTTPD = ['httpd', '-f', '-p', '80', '-h', '/www'];

/**
 * A Podman API service of the test's own, on its own socket, over the rig's store (the same
 * containers): the test may stop and start it without touching the rig's service.
 */
class PrivatePodmanService {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'podman-svc-'));
  readonly socket = join(this.dir, 'podman.sock');

  async start(): Promise<void> {
    // The rig's containers.conf and storage.conf come through the environment (npm run test:podman).
    this.child = spawn('podman', ['system', 'service', '--time=0', `unix://${this.socket}`], { stdio: 'ignore' });
    const client = new Docker({ socketPath: this.socket });
    await waitFor('the private Podman service', async () => (await client.ping().catch(() => false)) !== false, 20_000, 100);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

describe('Podman: kill, removal and a service restart', function () {
  this.timeout(90_000);
  const hostId = uniqueName('podman');
  const running: RegistrarProcess[] = [];
  const registrar = (extra: string[] = [], env: Record<string, string> = {}) => {
    const r = new RegistrarProcess(['--host-id', hostId, '--resync', '0', ...extra], env);
    running.push(r);
    return r;
  };
  const services = async () => Object.keys(await agentServices(`Meta.registrar_host == "${hostId}"`));

  before(async () => {
    if (ENGINE !== 'podman') throw new Error('this suite runs against Podman: RIG_ENGINE=podman (npm run test:podman)');
    await requireRig();
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.stop('SIGKILL')));
    await cleanup([hostId]);
  });

  it('says it follows Podman, and removes a killed and a removed container within a second', async () => {
    const r = registrar();
    await r.waitForLog('the start line', (l) => l.engine === 'podman');
    const [killed, removed] = [uniqueName('pk'), uniqueName('pr')];
    await Promise.all([killed, removed].map((name) => runContainer({ name, cmd: HTTPD, expose: ['80'], labels: { SERVICE_NAME: name } })));
    await waitFor('both registered', async () => (await services()).length === 2);
    let t0 = Date.now();
    await docker.getContainer(killed).kill();
    await waitFor('the killed one gone', async () => (await services()).length === 1, 1000, 20);
    const killMs = Date.now() - t0;
    t0 = Date.now();
    await docker.getContainer(removed).remove({ force: true });
    await waitFor('the removed one gone', async () => (await services()).length === 0, 1000, 20);
    console.log(`      gone ${killMs} ms after docker kill, ${Date.now() - t0} ms after docker rm -f`);
  });

  it('reconnects after the Podman service restarts and converges on what changed meanwhile', async () => {
    const service = new PrivatePodmanService();
    await service.start();
    try {
      const r = registrar(['--docker-host', `unix://${service.socket}`]);
      const [stays, stops] = [uniqueName('ps'), uniqueName('px')];
      await Promise.all([stays, stops].map((name) => runContainer({ name, cmd: HTTPD, expose: ['80'], labels: { SERVICE_NAME: name } })));
      await waitFor('both registered', async () => (await services()).length === 2);
      await service.stop();
      await r.waitForLog('the stream lost', (l) => l.event === 'events-lost');
      await docker.getContainer(stops).stop({ t: 0 }); // through the rig's service, while the registrar's is down
      const t0 = Date.now();
      await service.start();
      await waitFor(
        'only the running one left',
        async () => {
          const ids = await services();
          return ids.length === 1 && ids[0] === `${hostId}:${stays}:80`;
        },
        30_000,
        50,
      );
      console.log(`      converged ${Date.now() - t0} ms after the service was started again`);
      expect(r.alive).to.equal(true);
    } finally {
      await service.stop();
      service.remove();
    }
  });
});
