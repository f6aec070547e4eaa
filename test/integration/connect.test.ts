// Consul Connect for plain containers (issue 14), on real dockerd and a private Consul 1.8.7 dev
// agent (Connect on, its built-in CA) that listens where containers reach it: the Docker bridge's
// gateway (as a container sees it). The registrar registers each SERVICE_CONNECT=sidecar service's sidecar and runs its proxy
// (Consul's built-in proxy, from the image scripts/rig/proxy-image.sh builds offline).
import { expect } from 'chai';
import { PrivateConsul } from '../support/consul-agent.js';
import { RegistrarProcess, runCli } from '../support/registrar-process.js';
import { bridgeGateway, cleanup, containerIp, docker, execOutput, requireRig, runContainer, uniqueName, waitFor } from '../support/rig.js';

const PROXY_IMAGE = process.env.RIG_PROXY_IMAGE ?? 'consul-registrar-test/consul-proxy:1.8.7';
const SIDECAR_FOR = 'consul-registrar.sidecar-for';

/** One HTTP request from inside `client` to 127.0.0.1:port (the upstream listener); the request side stays open (the proxy closes on half-close). */
async function fetchThrough(client: string, port: number): Promise<string> {
  const request = `(printf 'GET /health HTTP/1.0\\r\\n\\r\\n'; sleep 1) | nc 127.0.0.1 ${port}`;
  return (await execOutput(docker, client, ['sh', '-c', request])).output;
}

describe('Connect sidecars', function () {
  this.timeout(90_000);
  let consul: PrivateConsul;
  let gateway: string;
  const running: RegistrarProcess[] = [];
  const hostId = uniqueName('connect');

  const registrar = (extra: string[] = [], agent = consul) => {
    const r = new RegistrarProcess(['--consul-addr', agent.addr, '--host-id', hostId, '--connect-proxy-image', PROXY_IMAGE, ...extra]);
    running.push(r);
    return r;
  };
  const proxiesOf = async (appId: string) => docker.listContainers({ all: true, filters: { label: [`${SIDECAR_FOR}=${appId}`] } });
  const services = async () => Object.keys(await consul.services(`Meta.registrar_host == "${hostId}"`)).sort();
  const app = async (name: string, labels: Record<string, string> = {}) =>
    runContainer({
      name,
      cmd: ['httpd', '-f', '-p', '80', '-h', '/www'],
      expose: ['80'],
      labels: { SERVICE_NAME: name, SERVICE_CONNECT: 'sidecar', ...labels },
    });
  const removeProxies = async () => {
    const proxies = await docker.listContainers({ all: true, filters: { label: [`consul-registrar.host=${hostId}`] } });
    await Promise.all(proxies.map((p) => docker.getContainer(p.Id).remove({ force: true })));
  };

  before(async () => {
    await requireRig();
    await docker
      .getImage(PROXY_IMAGE)
      .inspect()
      .catch(() => {
        throw new Error(`the Connect proxy image ${PROXY_IMAGE} is missing; run scripts/rig/up.sh`);
      });
    gateway = await bridgeGateway();
    consul = new PrivateConsul(19500, false, ['-client', `127.0.0.1 ${gateway}`]);
    await consul.start();
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.stop('SIGKILL')));
    await removeProxies();
    await cleanup();
  });
  after(() => consul?.kill());

  it('starts both proxies; the client reaches the app over mTLS, an intention denies it and its deletion allows it again', async () => {
    registrar();
    const [appName, clientName] = [uniqueName('capp'), uniqueName('cclient')];
    const appContainer = await app(appName);
    await runContainer({
      name: clientName,
      cmd: ['sleep', '3600'],
      expose: ['8080'],
      labels: { SERVICE_NAME: clientName, SERVICE_CONNECT: 'sidecar', SERVICE_CONNECT_UPSTREAMS: `${appName}:9191` },
    });
    const sidecar = `${hostId}:${appName}:80-sidecar-proxy`;
    await waitFor('both sidecars registered', async () => (await services()).length === 4, 15_000);
    const body = (await consul.services(`ID == "${sidecar}"`))[sidecar] as unknown as { Kind: string; Port: number; Address: string };
    expect(body.Kind).to.equal('connect-proxy');
    expect(body.Port).to.equal(21000);
    expect(body.Address).to.equal(await containerIp(appName));

    const started = Date.now();
    const answer = await waitFor(
      'the app through the mesh',
      async () => (await fetchThrough(clientName, 9191)).includes('200 OK') || undefined,
      20_000,
      250,
    );
    expect(answer).to.equal(true);
    console.log(`      reached through the mesh ${Date.now() - started} ms after both were registered`);
    // The app's sidecar speaks only mTLS: plain HTTP to it gets no answer from the app.
    const plain = await execOutput(docker, clientName, [
      'sh',
      '-c',
      `(printf 'GET /health HTTP/1.0\\r\\n\\r\\n'; sleep 1) | nc ${await containerIp(appName)} 21000`,
    ]);
    expect(plain.output).to.not.include('200 OK');

    const intention = (await (
      await fetch(`${consul.url}/connect/intentions`, {
        method: 'POST',
        body: JSON.stringify({ SourceName: clientName, DestinationName: appName, Action: 'deny' }),
      })
    ).json()) as { ID: string };
    await waitFor('the intention to deny', async () => !(await fetchThrough(clientName, 9191)).includes('200 OK'), 15_000, 250);
    await fetch(`${consul.url}/connect/intentions/${intention.ID}`, { method: 'DELETE' });
    await waitFor('the deletion to allow again', async () => (await fetchThrough(clientName, 9191)).includes('200 OK'), 15_000, 250);

    // Each proxy shares its app's network namespace and has no privileges.
    const [proxy] = await proxiesOf(appContainer.id);
    const info = await docker.getContainer(proxy!.Id).inspect();
    expect(info.HostConfig.NetworkMode).to.equal(`container:${appContainer.id}`);
    expect(info.HostConfig.CapDrop).to.deep.equal(['ALL']);
    expect(info.Config.Labels).to.include({ SERVICE_IGNORE: 'true' });
    expect(info.Config.Env).to.include(`CONSUL_HTTP_ADDR=http://${gateway}:${consul.base}`);
  });

  it('starts a killed proxy again, and removes the sidecar registration and the proxy when the app stops', async () => {
    const r = registrar();
    const name = uniqueName('capp');
    const container = await app(name);
    const [first] = await waitFor(
      'its proxy',
      async () => {
        const up = (await proxiesOf(container.id)).filter((p) => p.State === 'running');
        return up.length > 0 && up;
      },
      15_000,
    );
    await docker.getContainer(first!.Id).kill();
    const killed = Date.now();
    const [second] = await waitFor(
      'a new proxy',
      async () => {
        const up = (await proxiesOf(container.id)).filter((p) => p.State === 'running' && p.Id !== first!.Id);
        return up.length > 0 && up;
      },
      15_000,
    );
    console.log(`      proxy running again ${Date.now() - killed} ms after it was killed`);
    expect(second).to.not.equal(undefined);
    expect(await proxiesOf(container.id)).to.have.length(1); // the dead one removed

    await container.stop({ t: 0 });
    const stopped = Date.now();
    await waitFor(
      'no registration and no proxy',
      async () => (await services()).length === 0 && (await proxiesOf(container.id)).length === 0,
      10_000,
    );
    console.log(`      registrations and proxy gone ${Date.now() - stopped} ms after the app stopped`);
    expect(r.alive).to.equal(true);
  });

  it('repairs at start: a proxy whose app was removed while the registrar was down goes, a missing one is started', async () => {
    const first = registrar(['--resync', '0']);
    const [keptName, goneName] = [uniqueName('capp'), uniqueName('capp')];
    const [kept, gone] = await Promise.all([app(keptName), app(goneName)]);
    await waitFor('two proxies', async () => (await proxiesOf(kept.id)).length + (await proxiesOf(gone.id)).length === 2, 15_000);
    await first.stop('SIGKILL');
    const [keptProxy] = await proxiesOf(kept.id);
    await docker.getContainer(keptProxy!.Id).remove({ force: true }); // missing now
    await gone.remove({ force: true }); // its proxy is an orphan (Docker leaves it, dead, in a vanished namespace)
    expect(await proxiesOf(gone.id)).to.have.length(1);

    registrar(['--resync', '0']);
    await waitFor(
      'the orphan removed and the missing proxy started',
      async () => {
        const [k, g] = await Promise.all([proxiesOf(kept.id), proxiesOf(gone.id)]);
        return g.length === 0 && k.length === 1 && k[0]!.State === 'running';
      },
      15_000,
    );
  });

  it("plan shows the sidecar, its upstreams and the proxy it would start, without the proxies' token", async () => {
    const name = uniqueName('capp');
    await app(name, { SERVICE_CONNECT_UPSTREAMS: 'db:5432,cache@dc2:6379' });
    const out = runCli(['plan', '--consul-addr', consul.addr, '--host-id', hostId, '--connect-proxy-image', PROXY_IMAGE], {
      REGISTRAR_CONNECT_PROXY_TOKEN: 'proxy-secret-1234',
    });
    expect(out.status, out.stderr).to.equal(0);
    const block = out.stdout.slice(out.stdout.indexOf(name));
    expect(block).to.include(`${hostId}:${name}:80-sidecar-proxy`).and.include('kind connect-proxy');
    expect(block).to.include('upstreams db on 127.0.0.1:5432, cache@dc2 on 127.0.0.1:6379');
    expect(block).to.include(
      `proxy container ${name}-sidecar-proxy: ${PROXY_IMAGE} consul connect proxy -sidecar-for ${hostId}:${name}:80`,
    );
    expect(out.stdout + out.stderr).to.not.include('proxy-secret-1234');
  });

  it('says so, and registers without Connect, when the agent has Connect disabled', async () => {
    const plain = new PrivateConsul(19800, false, ['-hcl', 'connect { enabled = false }']);
    await plain.start();
    try {
      const r = registrar([], plain);
      const name = uniqueName('capp');
      await app(name);
      await r.waitForLog('the Connect-disabled warning', (l) => l.event === 'finding' && l.code === 'connect-disabled');
      await waitFor('the app registered', async () => Object.keys(await plain.services(`Service == "${name}"`)).length === 1);
      expect(Object.keys(await plain.services(`Kind == "connect-proxy"`))).to.deep.equal([]);
    } finally {
      await plain.kill();
    }
  });
});
