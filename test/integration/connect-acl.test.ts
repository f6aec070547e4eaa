// Connect proxies on an agent with ACLs on and deny by default (a private Consul 1.8.7 dev agent
// listening on the Docker bridge's gateway): each proxy gets a token minted for its own service,
// which is all the app beside it can read; the token goes when the proxy goes, leftovers go at
// start, and a registrar whose token may not mint tokens starts no proxy at all.
import { expect } from 'chai';
import { PrivateConsul } from '../support/consul-agent.js';
import { RegistrarProcess } from '../support/registrar-process.js';
import {
  bridgeGateway,
  cleanup,
  docker,
  execOutput,
  IMAGE,
  requireRig,
  runContainer,
  TEST_LABEL,
  uniqueName,
  waitFor,
} from '../support/rig.js';

const PROXY_IMAGE = process.env.RIG_PROXY_IMAGE ?? 'consul-registrar-test/consul-proxy:1.8.7';
const SIDECAR_FOR = 'consul-registrar.sidecar-for';
const TOKEN_ACCESSOR = 'consul-registrar.token-accessor';
const MIB = 2 ** 20;
/** What the registrar's own token needs beside acl = "write" (docs/connect.md). */
const REGISTRAR_RULES = 'service_prefix "" { policy = "write" }\nagent_prefix "" { policy = "read" }\nnode_prefix "" { policy = "read" }';

async function fetchThrough(client: string, port: number): Promise<string> {
  const request = `(printf 'GET /health HTTP/1.0\\r\\n\\r\\n'; sleep 1) | nc 127.0.0.1 ${port}`;
  return (await execOutput(docker, client, ['sh', '-c', request])).output;
}

describe('Connect proxies with Consul ACLs on (deny by default)', function () {
  this.timeout(120_000);
  let consul: PrivateConsul;
  let gateway: string;
  const running: RegistrarProcess[] = [];
  const hostId = uniqueName('cacl');
  const cgroupParent = `/${uniqueName('cacl-apps')}`;

  const registrar = (token: string, extra: string[] = []) => {
    const r = new RegistrarProcess(
      ['--consul-addr', consul.addr, '--host-id', hostId, '--resync', '2', '--connect-proxy-image', PROXY_IMAGE, ...extra],
      { CONSUL_HTTP_TOKEN: token },
    );
    running.push(r);
    return r;
  };
  const proxiesOf = async (appId: string) => docker.listContainers({ all: true, filters: { label: [`${SIDECAR_FOR}=${appId}`] } });
  const runningProxyOf = (appId: string) =>
    waitFor('its proxy running', async () => (await proxiesOf(appId)).find((p) => p.State === 'running'), 20_000);
  const services = async () => Object.keys(await consul.services(`Meta.registrar_host == "${hostId}"`)).sort();
  /** A call to the agent as the app would make it, with a token it read (status only). */
  const asApp = async (token: string, method: string, path: string, body?: object) =>
    (
      await fetch(`${consul.url}${path}`, {
        method,
        headers: { 'X-Consul-Token': token },
        ...(body ? { body: JSON.stringify(body) } : {}),
      })
    ).status;
  /** Whether the token with this accessor still exists. */
  const tokenExists = async (accessor: string) =>
    (await fetch(`${consul.url}/acl/token/${accessor}`, { headers: { 'X-Consul-Token': PrivateConsul.MASTER_TOKEN } })).ok;
  const ourTokens = async () =>
    ((await consul.asMaster('GET', '/acl/tokens')) as { AccessorID: string; Description: string }[]).filter((t) =>
      t.Description.startsWith(`consul-registrar proxy token host=${hostId} `),
    );
  const app = async (name: string, labels: Record<string, string> = {}, hostConfig: object = {}) => {
    const container = await docker.createContainer({
      name,
      Image: IMAGE,
      Cmd: ['httpd', '-f', '-p', '80', '-h', '/www'],
      ExposedPorts: { '80/tcp': {} },
      Labels: { [TEST_LABEL]: '1', SERVICE_NAME: name, SERVICE_CONNECT: 'sidecar', ...labels },
      HostConfig: { NetworkMode: 'bridge', ...hostConfig },
    });
    await container.start();
    return container;
  };
  /** Waits for `count` more full passes of this registrar (--resync 2). */
  const passes = async (r: RegistrarProcess, count: number) => {
    const seen = r.logs.filter((l) => l.event === 'full-pass').length;
    await waitFor(`${count} full passes`, async () => r.logs.filter((l) => l.event === 'full-pass').length >= seen + count, 15_000);
  };
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
    consul = new PrivateConsul(19600, true, ['-client', `127.0.0.1 ${gateway}`]);
    await consul.start();
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.stop('SIGKILL')));
    await removeProxies();
    await cleanup();
    // The registrars were killed: what they registered stays on the private agent unless removed here.
    for (const id of await services()) await consul.asMaster('PUT', `/agent/service/deregister/${encodeURIComponent(id)}`);
    for (const t of await ourTokens()) await consul.asMaster('DELETE', `/acl/token/${t.AccessorID}`);
  });
  after(() => consul?.kill());

  it("gives each proxy a token of its own service alone: the app's mesh works, and with the token it takes no other identity", async () => {
    registrar(await consul.tokenWithRules(`acl = "write"\n${REGISTRAR_RULES}`));
    const [appName, clientName] = [uniqueName('cacl-app'), uniqueName('cacl-client')];
    const appContainer = await app(appName, {}, { CgroupParent: cgroupParent });
    const client = await runContainer({
      name: clientName,
      cmd: ['sleep', '3600'],
      expose: ['8080'],
      labels: { SERVICE_NAME: clientName, SERVICE_CONNECT: 'sidecar', SERVICE_CONNECT_UPSTREAMS: `${appName}:9191` },
    });
    await consul.asMaster('POST', '/connect/intentions', { SourceName: clientName, DestinationName: appName, Action: 'allow' });
    await waitFor('both apps and sidecars registered', async () => (await services()).length === 4, 20_000);
    const started = Date.now();
    await waitFor(
      'the app through the mesh',
      async () => (await fetchThrough(clientName, 9191)).includes('200 OK') || undefined,
      30_000,
      250,
    );
    console.log(`      reached through the mesh ${Date.now() - started} ms after both were registered`);

    // The token, as the app could read it off the wire: the test reads it from the proxy's environment.
    const proxy = await runningProxyOf(appContainer.id);
    const info = await docker.getContainer(proxy.Id).inspect();
    const token = (info.Config.Env ?? []).find((e) => e.startsWith('CONSUL_HTTP_TOKEN='))?.slice('CONSUL_HTTP_TOKEN='.length);
    expect(token, "the proxy's own token").to.be.a('string').and.not.equal('');
    const accessor = info.Config.Labels[TOKEN_ACCESSOR]!;
    expect(accessor).to.match(/^[0-9a-f-]{36}$/);
    expect(Object.values(info.Config.Labels).join(' ')).to.not.include(token);
    const clientToken = (await docker.getContainer((await runningProxyOf(client.id)).Id).inspect()).Config.Env?.find((e) =>
      e.startsWith('CONSUL_HTTP_TOKEN='),
    );
    expect(clientToken, 'each proxy has a token of its own').to.not.equal(`CONSUL_HTTP_TOKEN=${token}`);

    const clientId = `${hostId}:${clientName}:8080`;
    expect(await asApp(token!, 'GET', `/agent/connect/ca/leaf/${appName}`), 'its own leaf certificate').to.equal(200);
    expect(await asApp(token!, 'GET', `/agent/connect/ca/leaf/${clientName}`), "another service's leaf certificate").to.equal(403);
    expect(await asApp(token!, 'PUT', '/agent/service/register', { ID: 'evil-1', Name: clientName, Port: 1 })).to.equal(403);
    expect(await asApp(token!, 'PUT', '/agent/service/register', { ID: 'evil-2', Name: 'vault', Port: 1 })).to.equal(403);
    expect(await asApp(token!, 'PUT', `/agent/service/deregister/${clientId}`), "deregistering another's service").to.equal(403);
    expect(await services()).to.include(clientId);

    // Bounded, and under the app's cgroup parent.
    expect(info.HostConfig).to.deep.include({
      Memory: 128 * MIB,
      MemorySwap: 128 * MIB,
      NanoCpus: 1e9,
      PidsLimit: 256,
      CgroupParent: cgroupParent,
    });
    for (let i = 0; i < 5; i++) await fetchThrough(clientName, 9191);
    const stats = (await docker.getContainer(proxy.Id).stats({ stream: false })) as {
      memory_stats: { usage: number; stats?: { cache?: number } };
      pids_stats?: { current?: number };
    };
    const used = stats.memory_stats.usage - (stats.memory_stats.stats?.cache ?? 0);
    console.log(
      `      the built-in proxy uses ${(used / MIB).toFixed(1)} MiB and ${stats.pids_stats?.current ?? '?'} tasks after 5 requests`,
    );

    await appContainer.stop({ t: 1 });
    await waitFor('its proxy removed', async () => (await proxiesOf(appContainer.id)).length === 0, 20_000);
    await waitFor('its token revoked', async () => !(await tokenExists(accessor)), 10_000);
    expect(await asApp(token!, 'GET', '/acl/token/self'), 'the revoked token').to.equal(403);
  });

  it('revokes at start the tokens of proxies that no longer exist, and mints the running app a new one', async () => {
    const token = await consul.tokenWithRules(`acl = "write"\n${REGISTRAR_RULES}`);
    const first = registrar(token);
    const appContainer = await app(uniqueName('cacl-app'));
    const proxy = await runningProxyOf(appContainer.id);
    const old = (await docker.getContainer(proxy.Id).inspect()).Config.Labels[TOKEN_ACCESSOR]!;
    await first.stop('SIGKILL');
    await docker.getContainer(proxy.Id).remove({ force: true }); // gone while the registrar was away
    const stray = (await consul.asMaster('PUT', '/acl/token', {
      Description: `consul-registrar proxy token host=${hostId} sidecar=gone app=000000000000`,
      ServiceIdentities: [{ ServiceName: 'gone' }],
      Local: true,
    })) as { AccessorID: string };
    const other = (await consul.asMaster('PUT', '/acl/token', {
      Description: `consul-registrar proxy token host=${hostId}-other sidecar=x app=000000000000`,
      ServiceIdentities: [{ ServiceName: 'x' }],
      Local: true,
    })) as { AccessorID: string };

    const second = registrar(token);
    await waitFor('the leftovers revoked', async () => !(await tokenExists(old)) && !(await tokenExists(stray.AccessorID)), 20_000);
    expect(await tokenExists(other.AccessorID), "another host ID's token").to.equal(true);
    const renewed = await runningProxyOf(appContainer.id);
    const accessor = (await docker.getContainer(renewed.Id).inspect()).Config.Labels[TOKEN_ACCESSOR]!;
    await passes(second, 1);
    expect((await ourTokens()).map((t) => t.AccessorID)).to.deep.equal([accessor]);
    expect(second.logs.filter((l) => l.event === 'proxy-tokens-revoked')).to.have.length.greaterThan(0);
    await consul.asMaster('DELETE', `/acl/token/${other.AccessorID}`);
  });

  it('starts no proxy, with one line, when its token may not mint tokens; the app is still registered', async () => {
    const r = registrar(await consul.tokenWithRules(REGISTRAR_RULES));
    const appContainer = await app(uniqueName('cacl-app'));
    const appId = `${hostId}:${(await appContainer.inspect()).Name.slice(1)}:80`;
    await waitFor('the app and its sidecar registered', async () => (await services()).length === 2, 20_000);
    expect(await services()).to.deep.equal([appId, `${appId}-sidecar-proxy`]);
    await passes(r, 2);
    expect(r.logs.filter((l) => l.event === 'proxy-tokens-refused')).to.have.length(1);
    expect(r.logs.filter((l) => l.event === 'proxy-failed' || l.event === 'proxy-token-failed')).to.deep.equal([]);
    expect(await proxiesOf(appContainer.id)).to.deep.equal([]);
    expect(await ourTokens()).to.deep.equal([]);
  });

  it('gives every proxy the shared --connect-proxy-token, minting none, and says once what that means', async () => {
    const shared = await consul.tokenForServicePrefix('');
    const r = registrar(await consul.tokenWithRules(`acl = "write"\n${REGISTRAR_RULES}`), ['--connect-proxy-token', shared]);
    const appContainer = await app(uniqueName('cacl-app'));
    const proxy = await runningProxyOf(appContainer.id);
    const info = await docker.getContainer(proxy.Id).inspect();
    expect(info.Config.Env).to.include(`CONSUL_HTTP_TOKEN=${shared}`);
    expect(info.Config.Labels).to.not.have.property(TOKEN_ACCESSOR);
    await passes(r, 1);
    expect(await ourTokens()).to.deep.equal([]);
    expect(r.logs.filter((l) => l.event === 'shared-proxy-token')).to.have.length(1);
    expect(JSON.stringify(r.logs)).to.not.include(shared);
  });
});
