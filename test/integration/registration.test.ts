// The core promise, on a real dockerd and a real Consul agent: containers appear in Consul under
// their own address and container port, answer in Consul DNS, follow their checks, and go away.
import { expect } from 'chai';
import {
  agentServices,
  catalogService,
  checksOf,
  cleanup,
  containerIp,
  createNetwork,
  deregister,
  dnsA,
  dnsSrv,
  docker,
  registerForeign,
  requireRig,
  runContainer,
  uniqueName,
  waitFor,
} from '../support/rig.js';
import { isFullPass, RegistrarProcess } from '../support/registrar-process.js';

describe('registration on real Docker and Consul', function () {
  this.timeout(60_000);
  const hostId = uniqueName('itest-host');
  const args = ['--host-id', hostId, '--resync', '0', '--log-level', 'debug'];
  let registrar: RegistrarProcess;

  const owned = (filter = '') => agentServices(`Meta.registrar_host == "${hostId}"${filter ? ` and ${filter}` : ''}`);
  const serviceOf = async (name: string) => Object.values(await owned(`Service == "${name}"`));

  before(async () => {
    await requireRig();
    await cleanup([hostId]);
    registrar = new RegistrarProcess(args);
    await registrar.waitForLog('its first full pass', isFullPass);
  });
  after(async () => {
    await registrar?.stop();
    await cleanup([hostId]);
  });

  it('registers a labelled container with its bridge IP and container port, answered by Consul DNS once its TCP check passes', async () => {
    const service = uniqueName('web');
    const name = uniqueName('c');
    await runContainer({
      name,
      cmd: ['httpd', '-f', '-p', '8080', '-h', '/www'],
      expose: ['8080'],
      labels: { SERVICE_NAME: service, SERVICE_CHECK_TCP: 'true', SERVICE_CHECK_INTERVAL: '1s', SERVICE_TAGS: 'blue,v1' },
    });
    const ip = await containerIp(name);
    const [reg] = await waitFor('the service in the agent', async () => (await serviceOf(service))[0] && serviceOf(service));
    expect(reg).to.include({ ID: `${hostId}:${name}:8080`, Address: ip, Port: 8080 });
    expect(reg!.Tags).to.deep.equal(['blue', 'v1']);
    const answer = await waitFor('DNS A once the check passes', async () => {
      const a = await dnsA(service);
      return a.length > 0 && a;
    });
    expect(answer).to.deep.equal([ip]);
    const srv = await dnsSrv(service);
    expect(srv.map((r) => r.port)).to.deep.equal([8080]);
  });

  it('follows an HTTP check: passing while the server answers, critical when it breaks', async () => {
    const service = uniqueName('http');
    const name = uniqueName('c');
    await runContainer({
      name,
      cmd: ['httpd', '-f', '-p', '80', '-h', '/www'],
      expose: ['80'],
      labels: { SERVICE_NAME: service, SERVICE_CHECK_HTTP: '/health', SERVICE_CHECK_INTERVAL: '1s' },
    });
    const id = `${hostId}:${name}:80`;
    const status = async () => (await checksOf(id)).find((c) => c.CheckID === `service:${id}:http`)?.Status;
    await waitFor('the HTTP check passing', async () => (await status()) === 'passing');
    const exec = await docker.getContainer(name).exec({ Cmd: ['rm', '/www/health'] });
    await exec.start({ Detach: true });
    await waitFor('the HTTP check critical', async () => (await status()) === 'critical');
  });

  it('removes a stopped container from the agent, the catalog and DNS within 2 s', async () => {
    const service = uniqueName('stop');
    const name = uniqueName('c');
    await runContainer({
      name,
      cmd: ['httpd', '-f', '-p', '7000'],
      expose: ['7000'],
      labels: { SERVICE_NAME: service, SERVICE_CHECK_TCP: 'true', SERVICE_CHECK_INTERVAL: '1s' },
    });
    await waitFor('DNS answering', async () => (await dnsA(service)).length > 0);
    await docker.getContainer(name).stop({ t: 0 });
    const stoppedAt = Date.now();
    await waitFor(
      'the service gone everywhere',
      async () =>
        (await serviceOf(service)).length === 0 && (await catalogService(service)).length === 0 && (await dnsA(service)).length === 0,
      2000,
      20,
    );
    expect(Date.now() - stoppedAt).to.be.below(2000);
  });

  it('takes a paused container out of DNS with a critical check and restores it on unpause', async () => {
    const service = uniqueName('paused');
    const name = uniqueName('c');
    await runContainer({ name, cmd: ['httpd', '-f', '-p', '80', '-h', '/www'], expose: ['80'], labels: { SERVICE_NAME: service } });
    const id = `${hostId}:${name}:80`;
    await waitFor('DNS answers', async () => (await dnsA(service)).length > 0);
    await docker.getContainer(name).pause();
    await waitFor(
      'the paused check critical and DNS empty',
      async () =>
        (await checksOf(id)).some((c) => c.CheckID === `service:${id}:paused` && c.Status === 'critical') &&
        (await dnsA(service)).length === 0,
      3000,
    );
    await docker.getContainer(name).unpause();
    await waitFor('DNS answers again', async () => (await dnsA(service)).length > 0, 3000);
    expect((await checksOf(id)).map((c) => c.CheckID)).to.not.include(`service:${id}:paused`);
  });

  it('keeps a restarted container registered', async () => {
    const service = uniqueName('restart');
    const name = uniqueName('c');
    await runContainer({ name, cmd: ['sleep', '300'], expose: ['9000'], labels: { SERVICE_NAME: service } });
    await waitFor('registration', async () => (await serviceOf(service)).length === 1);
    await docker.getContainer(name).restart({ t: 0 });
    const ip = await containerIp(name);
    await waitFor('registered after the restart', async () => (await serviceOf(service))[0]?.Address === ip);
    // The die and start events both arrive; whatever order they are handled in, it must stay registered.
    await new Promise((r) => setTimeout(r, 1000));
    const services = await serviceOf(service);
    expect(services).to.have.length(1);
    expect(services[0]).to.include({ Address: ip, Port: 9000 });
  });

  it('registers the SERVICE_NETWORK address of a container on two networks', async () => {
    const [a, b] = [uniqueName('net-a'), uniqueName('net-b')];
    await createNetwork(a, '10.211.1.0/24');
    await createNetwork(b, '10.211.2.0/24');
    const service = uniqueName('twonet');
    const name = uniqueName('c');
    await runContainer({
      name,
      cmd: ['sleep', '300'],
      expose: ['5432'],
      network: a,
      labels: { SERVICE_NAME: service, SERVICE_NETWORK: b },
    });
    await docker.getNetwork(b).connect({ Container: name });
    const ipB = await containerIp(name, b);
    await waitFor(`registration on ${b}'s address ${ipB}`, async () => (await serviceOf(service))[0]?.Address === ipB);
  });

  it('warns clearly about malformed labels and still registers every other container', async () => {
    const bad = uniqueName('bad');
    const good = uniqueName('good');
    await runContainer({
      name: bad,
      cmd: ['sleep', '300'],
      expose: ['81'],
      labels: {
        SERVICE_NAME: 'bad_name.x',
        SERVICE_CHECK_INTERVAL: 'fast',
        SERVICE_CHECK_HTTP: '/',
        'SERVICE_bad.key': '1',
        SERVICE_IP: 'not-an-ip',
      },
    });
    await runContainer({ name: good, cmd: ['sleep', '300'], expose: ['82'], labels: { SERVICE_NAME: good } });
    await waitFor('the good container registered', async () => (await serviceOf(good)).length === 1);
    const warnings = () =>
      registrar.logs.filter((l) => l.event === 'finding' && l.level === 40 && l.container === bad).map((l) => [l.code, l.label]);
    await waitFor('warnings about the bad container', async () => warnings().length >= 4);
    expect(warnings()).to.deep.include.members([
      ['duration-refused', 'SERVICE_CHECK_INTERVAL'],
      ['meta-key-refused', 'SERVICE_BAD.KEY'],
      ['service-ip-refused', 'SERVICE_IP'],
      ['service-name-rewritten', 'SERVICE_NAME'],
    ]);
    expect(await serviceOf('bad-name-x')).to.have.length(1);
  });

  it('reports healthy on /healthz and counts its work on /metrics', async () => {
    const health = await registrar.healthz();
    expect(health.status).to.equal(200);
    expect(health.body).to.include({ ok: true, docker: true, consul: true });
    const metrics = await registrar.metrics();
    expect(metrics.get('registrar_registrations_total')).to.be.above(0);
    expect(metrics.get('registrar_deregistrations_total')).to.be.above(0);
    expect(metrics.get('registrar_docker_events_total')).to.be.above(0);
    expect(metrics.get('registrar_full_passes_total')).to.be.at.least(1);
  });

  it('after a SIGKILL, removes the services of containers removed meanwhile and never touches foreign ones', async () => {
    const service = uniqueName('stale');
    const name = uniqueName('c');
    await runContainer({ name, cmd: ['sleep', '300'], expose: ['6000'], labels: { SERVICE_NAME: service } });
    await waitFor('registration', async () => (await serviceOf(service)).length === 1);
    const foreign = uniqueName('foreign');
    const otherHost = uniqueName('other-host');
    await registerForeign({ ID: foreign, Name: foreign, Port: 1 });
    await registerForeign({
      ID: otherHost,
      Name: otherHost,
      Port: 2,
      Meta: { registrar_host: 'some-other-host', registrar_container: 'x' },
    });
    try {
      await registrar.stop('SIGKILL');
      await docker.getContainer(name).remove({ force: true });
      expect(await serviceOf(service), 'nobody removes it while the registrar is down').to.have.length(1);
      registrar = new RegistrarProcess(args);
      await waitFor('the stale service removed', async () => (await serviceOf(service)).length === 0);
      const all = await agentServices();
      expect(all).to.have.property(foreign);
      expect(all).to.have.property(otherHost);
    } finally {
      await deregister(foreign);
      await deregister(otherHost);
    }
  });
});
