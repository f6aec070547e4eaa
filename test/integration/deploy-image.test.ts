// deploy/Dockerfile, built and run as an operator would: socket mounted read-only, host networking,
// the image's own HEALTHCHECK. No image registry is reachable here (npm's is), so its base is a
// stand-in made from this machine's node and npm (scripts/rig/node-image.sh): every step of the file
// runs, on this machine's Node rather than node:26-alpine's.
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { PACKAGE_VERSION } from '../support/registrar-process.js';
import { agentServices, cleanup, docker, requireRig, runContainer, TEST_LABEL, uniqueName, waitFor } from '../support/rig.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TAG = 'consul-registrar-test/registrar:deploy';
const run = promisify(execFile);

describe('deploy/Dockerfile, built and run as an operator would', function () {
  this.timeout(300_000);
  const hostId = uniqueName('deploy-host');
  let base: string;

  before(async () => {
    await requireRig();
    base = (await run(`${ROOT}scripts/rig/node-image.sh`)).stdout.trim();
    const args = ['--build-arg', `NODE_IMAGE=${base}`, '--build-arg', `VERSION=${PACKAGE_VERSION}`];
    await run('docker', ['build', '-q', ...args, '-t', TAG, '-f', 'deploy/Dockerfile', '.'], {
      cwd: ROOT,
      env: { ...process.env, DOCKER_BUILDKIT: '0' },
      maxBuffer: 16 * 2 ** 20,
    });
  });
  after(() => cleanup([hostId]));

  it('adds only the production dependencies and dist/ to the node base image', async () => {
    const size = async (image: string) => (await docker.getImage(image).inspect()).Size;
    const added = ((await size(TAG)) - (await size(base))) / 2 ** 20;
    console.log(`      figure: the registrar adds ${added.toFixed(1)} MiB to its node base image`);
    expect(added).to.be.below(25);
  });

  it("carries OCI labels with package.json's version and runs as a user of its own", async () => {
    const { Config } = await docker.getImage(TAG).inspect();
    expect(Config.Labels).to.include({ 'org.opencontainers.image.version': PACKAGE_VERSION, 'org.opencontainers.image.licenses': 'MIT' });
    expect(Config.User).to.equal('1000:1000');
  });

  it('registers containers with the socket mounted read-only, is healthy by its HEALTHCHECK, and stops at once on SIGTERM', async () => {
    const service = uniqueName('deployed');
    await runContainer({ name: uniqueName('c'), cmd: ['sleep', '600'], expose: ['80'], labels: { SERVICE_NAME: service } });
    const registrar = await docker.createContainer({
      name: uniqueName('registrar'),
      Image: TAG,
      Labels: { [TEST_LABEL]: '1' },
      // A status address of its own (the HEALTHCHECK follows REGISTRAR_HTTP_ADDR), probed every second.
      Env: ['CONSUL_HTTP_ADDR=127.0.0.1:8500', `REGISTRAR_HOST_ID=${hostId}`, 'REGISTRAR_HTTP_ADDR=127.0.0.1:19481'],
      Healthcheck: { Interval: 1_000_000_000 },
      // As docs/security.md and the systemd unit run it: read-only root, no_new_privs.
      HostConfig: {
        NetworkMode: 'host',
        Binds: ['/var/run/docker.sock:/var/run/docker.sock:ro'],
        // Not root: the socket's group is all it needs.
        GroupAdd: [String(statSync('/var/run/docker.sock').gid)],
        ReadonlyRootfs: true,
        SecurityOpt: ['no-new-privileges'],
      },
    });
    await registrar.start();
    await waitFor(
      'the labelled container registered by the image',
      async () => {
        const services = Object.values(await agentServices(`Meta.registrar_host == "${hostId}"`));
        return services.length === 1 && services[0]!.Service === service;
      },
      20_000,
    );
    const info = await waitFor(
      'the registrar healthy',
      async () => {
        const i = await registrar.inspect();
        return i.State.Health?.Status === 'healthy' && i;
      },
      20_000,
      200,
    );
    expect(info.Mounts.find((m) => m.Destination === '/var/run/docker.sock')?.RW).to.equal(false);

    const t0 = Date.now();
    await registrar.stop({ t: 10 });
    expect(Date.now() - t0, 'exits on SIGTERM well before the 10 s kill').to.be.below(5000);
    expect((await registrar.inspect()).State.ExitCode).to.equal(0);
  });

  it('is healthy by its HEALTHCHECK when --http-addr, a flag the probe is not given, listens on every address', async () => {
    const registrar = await docker.createContainer({
      name: uniqueName('registrar'),
      Image: TAG,
      Labels: { [TEST_LABEL]: '1' },
      // As a compose file's `command:` would set it, for a Prometheus on another host.
      Cmd: ['--http-addr', '0.0.0.0:19482', '--host-id', hostId],
      Env: ['CONSUL_HTTP_ADDR=127.0.0.1:8500'],
      Healthcheck: { Interval: 1_000_000_000 },
      HostConfig: {
        NetworkMode: 'host',
        Binds: ['/var/run/docker.sock:/var/run/docker.sock:ro'],
        GroupAdd: [String(statSync('/var/run/docker.sock').gid)],
        ReadonlyRootfs: true,
        SecurityOpt: ['no-new-privileges'],
      },
    });
    await registrar.start();
    try {
      const info = await waitFor(
        'the registrar healthy',
        async () => {
          const i = await registrar.inspect();
          return i.State.Health?.Status === 'healthy' && i;
        },
        20_000,
        200,
      );
      expect(info.State.Health?.Log?.at(-1)?.Output).to.include('http://127.0.0.1:19482/healthz');
      expect(await (await fetch('http://127.0.0.1:19482/metrics')).text()).to.match(/^registrar_dependency_up\{dependency="consul"\} 1$/m);
    } finally {
      await registrar.stop({ t: 10 });
    }
  });
});
