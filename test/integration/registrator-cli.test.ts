// Switching from Registrator: its documented compose command line, run unchanged against the real
// dockerd and Consul agent, registers like ours; --version answers.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { PrivateConsul } from '../support/consul-agent.js';
import { isFullPass, PACKAGE_VERSION, RegistrarProcess, runCli } from '../support/registrar-process.js';
import { agentServices, cleanup, containerIp, requireRig, runContainer, uniqueName, waitFor } from '../support/rig.js';

describe("Registrator's command line", function () {
  this.timeout(60_000);
  const hostId = uniqueName('registrator-cli');
  let registrar: RegistrarProcess | undefined;

  before(requireRig);
  after(async () => {
    await registrar?.stop('SIGKILL');
    await cleanup([hostId]);
  });

  it('runs `-internal -resync 30 consul://…` as written (no DOCKER_HOST) and registers the container', async () => {
    // -hostname too: Registrator's way to set the host part of service IDs, here the test's own host ID.
    registrar = new RegistrarProcess(['-internal', '-resync', '30', '-hostname', hostId, 'consul://127.0.0.1:8500'], { DOCKER_HOST: '' });
    await registrar.waitForLog('first pass', isFullPass);
    // -internal's note, and that the takeover is on (Registrator's command line means a switch).
    expect(registrar.logs.filter((l) => l.event === 'registrator-flag').map((l) => l.msg)).to.have.length(2);
    const name = uniqueName('web');
    await runContainer({ name, cmd: ['sleep', '600'], expose: ['80'], labels: { SERVICE_NAME: name } });
    const service = await waitFor('registered', async () => (await agentServices(`Service == "${name}"`))[`${hostId}:${name}:80`]);
    expect(service.Address).to.equal(await containerIp(name));
    expect(service.Port).to.equal(80);
  });

  it("answers --version and -version with package.json's version", () => {
    for (const flag of ['--version', '-version']) {
      expect(runCli([flag]).stdout.trim()).to.equal(`consul-registrar ${PACKAGE_VERSION}`);
    }
  });

  it('plan --json lists what would be registered, and plan says at once when Consul does not answer', () => {
    const plan = JSON.parse(runCli(['plan', '--json', '--host-id', hostId]).stdout) as {
      containers: { name: string; registrations: { ID: string }[] }[];
    };
    const web = plan.containers.find((c) => c.registrations.some((r) => r.ID.startsWith(`${hostId}:web-`)));
    expect(web, 'the container of the first test').to.not.equal(undefined);
    const started = Date.now();
    const run = runCli(['plan'], { CONSUL_HTTP_ADDR: '127.0.0.1:1' });
    expect(Date.now() - started, 'no waiting').to.be.below(5_000);
    expect(run.status).to.equal(1);
    expect(run.stderr).to.include('Consul not reachable').and.include('CONSUL_HTTP_ADDR = 127.0.0.1:1');
  });

  it('plan NAME shows just that container, and fails when none runs by that name', async () => {
    const [one, other] = [uniqueName('one'), uniqueName('other')];
    for (const name of [one, other]) await runContainer({ name, cmd: ['sleep', '600'], expose: ['80'], labels: { SERVICE_NAME: name } });
    const plan = JSON.parse(runCli(['plan', one, '--json', '--host-id', hostId]).stdout) as { containers: { name: string }[] };
    expect(plan.containers.map((c) => c.name)).to.deep.equal([one]);
    const absent = runCli(['plan', uniqueName('absent'), '--host-id', hostId]);
    expect(absent.status).to.equal(1);
    expect(absent.stdout).to.equal('');
  });

  it('logs on stderr, as lines for a person with --log-format pretty, as JSON otherwise', () => {
    const env = { CONSUL_HTTP_ADDR: '127.0.0.1:1' };
    const pretty = runCli(['-internal', '--log-format', 'pretty', 'plan'], env);
    expect(pretty.stderr).to.match(/INFO.*-internal: nothing to change/);
    expect(pretty.stderr).not.to.include('{"level"');
    const json = runCli(['-internal', 'plan'], env);
    const line = JSON.parse(json.stderr.split('\n')[0]!) as { event: string };
    expect(line.event).to.equal('registrator-flag');
    expect(json.stdout).to.equal('');
  });

  it('reaches an agent on a unix socket given as consul-unix://, as Registrator did', async () => {
    const socket = join(mkdtempSync(join(tmpdir(), 'consul-unix-')), 'consul.sock');
    const consul = new PrivateConsul(19400, false, ['-hcl', `addresses { http = "127.0.0.1 unix://${socket}" }`]);
    await consul.start();
    const unixHost = uniqueName('unix-host');
    const r = new RegistrarProcess(['-internal', '-hostname', unixHost, `consul-unix://${socket}`], { DOCKER_HOST: '' });
    try {
      await r.waitForLog('first pass', isFullPass);
      const name = uniqueName('u');
      await runContainer({ name, cmd: ['sleep', '600'], expose: ['80'], labels: { SERVICE_NAME: name } });
      await waitFor(
        'registered through the socket',
        async () => (await consul.services(`ID == "${unixHost}:${name}:80"`))[`${unixHost}:${name}:80`],
      );
    } finally {
      await r.stop('SIGKILL');
      await consul.kill();
    }
  });
});
