// deploy/Dockerfile, built and run as an operator would: socket mounted read-only, host networking,
// the image's own HEALTHCHECK. No image registry is reachable here (npm's is), so its base is a
// stand-in made from this machine's node and npm (scripts/rig/node-image.sh): every step of the file
// runs, on this machine's Node rather than node:26-alpine's. The offline image (deploy/offline/) must
// be the same image to an operator: user, labels, command.
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { promisify } from 'node:util';
import { expect } from 'chai';
import type Docker from 'dockerode';
import { deployImage, imageConfig, offlineImage } from '../support/registrar-image.js';
import { PACKAGE_VERSION } from '../support/registrar-process.js';
import { agentServices, cleanup, docker, requireRig, runContainer, TEST_LABEL, uniqueName, waitFor } from '../support/rig.js';

const run = promisify(execFile);

describe('deploy/Dockerfile, built and run as an operator would', function () {
  this.timeout(300_000);
  const hostId = uniqueName('deploy-host');
  let tag: string;
  let base: string;

  before(async () => {
    await requireRig();
    ({ tag, base } = await deployImage());
  });
  after(() => cleanup([hostId]));

  /**
   * The image run as docs/security.md and the systemd unit run it: host network, the socket read-only
   * with its group (not root), read-only root, no_new_privs; its HEALTHCHECK probed every second.
   */
  async function startDeployed(o: { env?: string[]; cmd?: string[] }): Promise<Docker.Container> {
    const registrar = await docker.createContainer({
      name: uniqueName('registrar'),
      Image: tag,
      Labels: { [TEST_LABEL]: '1' },
      Env: ['CONSUL_HTTP_ADDR=127.0.0.1:8500', ...(o.env ?? [])],
      ...(o.cmd ? { Cmd: o.cmd } : {}),
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
    return registrar;
  }

  const healthy = (registrar: Docker.Container) =>
    waitFor(
      'the registrar healthy',
      async () => {
        const i = await registrar.inspect();
        return i.State.Health?.Status === 'healthy' && i;
      },
      20_000,
      200,
    );

  it('adds only the production dependencies and dist/ to the node base image', async () => {
    const size = async (image: string) => (await docker.getImage(image).inspect()).Size;
    const added = ((await size(tag)) - (await size(base))) / 2 ** 20;
    console.log(`      figure: the registrar adds ${added.toFixed(1)} MiB to its node base image`);
    expect(added).to.be.below(25);
  });

  it("carries OCI labels with package.json's version and runs as a user of its own", async () => {
    const Config = await imageConfig(tag);
    expect(Config.Labels).to.include({ 'org.opencontainers.image.version': PACKAGE_VERSION, 'org.opencontainers.image.licenses': 'MIT' });
    expect(Config.User).to.equal('1000:1000');
  });

  it('the offline image has the same user, labels and consul-registrar command', async () => {
    const offline = await offlineImage();
    const [ours, theirs] = [await imageConfig(tag), await imageConfig(offline)];
    expect(theirs.User).to.equal(ours.User);
    expect(theirs.Labels).to.deep.equal(ours.Labels);
    expect(theirs.Healthcheck?.Test?.slice(-2)).to.deep.equal(ours.Healthcheck?.Test?.slice(-2));
    for (const image of [tag, offline]) {
      const { stdout } = await run('docker', ['run', '--rm', '--entrypoint', 'consul-registrar', image, '--version']);
      expect(stdout.trim(), image).to.equal(`consul-registrar ${PACKAGE_VERSION}`);
    }
  });

  it('registers containers with the socket mounted read-only, is healthy by its HEALTHCHECK, and stops at once on SIGTERM', async () => {
    const service = uniqueName('deployed');
    await runContainer({ name: uniqueName('c'), cmd: ['sleep', '600'], expose: ['80'], labels: { SERVICE_NAME: service } });
    // A status address of its own (the HEALTHCHECK follows REGISTRAR_HTTP_ADDR).
    const registrar = await startDeployed({ env: [`REGISTRAR_HOST_ID=${hostId}`, 'REGISTRAR_HTTP_ADDR=127.0.0.1:19481'] });
    await waitFor(
      'the labelled container registered by the image',
      async () => {
        const services = Object.values(await agentServices(`Meta.registrar_host == "${hostId}"`));
        return services.length === 1 && services[0]!.Service === service;
      },
      20_000,
    );
    const info = await healthy(registrar);
    expect(info.Mounts.find((m) => m.Destination === '/var/run/docker.sock')?.RW).to.equal(false);

    const t0 = Date.now();
    await registrar.stop({ t: 10 });
    expect(Date.now() - t0, 'exits on SIGTERM well before the 10 s kill').to.be.below(5000);
    expect((await registrar.inspect()).State.ExitCode).to.equal(0);
  });

  it('is healthy by its HEALTHCHECK when --http-addr, a flag the probe is not given, listens on every address', async () => {
    // As a compose file's `command:` would set it, for a Prometheus on another host.
    const registrar = await startDeployed({ cmd: ['--http-addr', '0.0.0.0:19482', '--host-id', hostId] });
    try {
      const info = await healthy(registrar);
      expect(info.State.Health?.Log?.at(-1)?.Output).to.include('http://127.0.0.1:19482/healthz');
      expect(await (await fetch('http://127.0.0.1:19482/metrics')).text()).to.match(/^registrar_dependency_up\{dependency="consul"\} 1$/m);
    } finally {
      await registrar.stop({ t: 10 });
    }
  });
});
