// Odd label values on real dockerd and Consul: an IP literal with a zone ID (which took down `plan`
// for the whole host), the host's own addresses as SERVICE_IP (inside a macvlan subnet, and a
// --host-ip inside the bridge subnet), names derived from a reserved one, reserved tags,
// --ip-from-label against image ENV, the sidecar of a parent whose ID is refused, and plan's forecast of
// the first pass's refusals and removals.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { PrivateConsul } from '../support/consul-agent.js';
import { isFullPass, RegistrarProcess, runCli, type LogLine } from '../support/registrar-process.js';
import {
  agentServices,
  bridgeGateway,
  cleanup,
  containerIp,
  createNetwork,
  deregister,
  docker,
  registerForeign,
  requireRig,
  runContainer,
  TEST_LABEL,
  uniqueName,
  waitFor,
} from '../support/rig.js';

const PROXY_IMAGE = process.env.RIG_PROXY_IMAGE ?? 'consul-registrar-test/consul-proxy:1.8.7';
const warningsAbout = (registrar: RegistrarProcess, container: string): LogLine[] =>
  registrar.logs.filter((l) => l.event === 'finding' && l.level === 40 && l.container === container);

/** A subnet's first three octets, per run, out of the ranges Docker and the rig use. */
const BASE = 100 + (process.pid % 50) * 3;
const subnet = (n: number) => `10.231.${BASE + n}`;

describe('odd values: hostile addresses, derived names and tags on real Docker and Consul', function () {
  this.timeout(120_000);
  const hostId = uniqueName('odd');
  const owned = async () => Object.values(await agentServices(`Meta.registrar_host == "${hostId}"`));
  const ownedBy = async (container: string) => (await owned()).filter((s) => s.ID.includes(`:${container}:`));

  before(async () => {
    await requireRig();
    await cleanup([hostId]);
  });
  after(async () => {
    await cleanup([hostId]);
  });

  it('plan exits 0 with a SERVICE_IP=::ffff:<own IPv4>%0 + SERVICE_CHECK_HTTP=/ container present, and shows the others', async () => {
    const net = subnet(0);
    const network = uniqueName('oddnet');
    await createNetwork(network, `${net}.0/24`);
    const [odd, other] = [uniqueName('zone'), uniqueName('plain')];
    // The first container on a new network gets its .2.
    await runContainer({
      name: odd,
      cmd: ['sleep', '300'],
      expose: ['80'],
      network,
      labels: { SERVICE_NAME: odd, SERVICE_IP: `::ffff:${net}.2%0`, SERVICE_CHECK_HTTP: '/' },
    });
    expect(await containerIp(odd, network)).to.equal(`${net}.2`);
    await runContainer({ name: other, cmd: ['sleep', '300'], expose: ['80'], network, labels: { SERVICE_NAME: other } });
    const run = runCli(['plan', '--json', '--host-id', hostId]);
    expect(run.status, run.stderr).to.equal(0);
    const plan = JSON.parse(run.stdout) as {
      containers: {
        name: string;
        registrations: { ID: string; Address: string; Checks: { HTTP?: string }[] }[];
        findings: { code: string }[];
      }[];
    };
    const theirs = plan.containers.find((c) => c.name === other)!;
    expect(theirs.registrations.map((r) => r.ID)).to.deep.equal([`${hostId}:${other}:80`]);
    const mine = plan.containers.find((c) => c.name === odd)!;
    // The zone ID is refused: the container's own address, with its HTTP check on it.
    expect(mine.registrations.map((r) => r.Address)).to.deep.equal([`${net}.2`]);
    expect(mine.registrations[0]!.Checks.map((c) => c.HTTP)).to.include(`http://${net}.2:80/`);
    expect(mine.findings.map((f) => f.code)).to.include('service-ip-refused');
  });

  describe('a running registrar with --host-ip in the bridge subnet, --ip-from-label and a name policy', () => {
    let registrar: RegistrarProcess;
    const vault = uniqueName('vault');
    // Inside Docker's bridge subnet, and no container's (the bridge hands out addresses from its start).
    let hostIp = '';

    before(async () => {
      hostIp = (await bridgeGateway()).replace(/\.\d+$/, '.250');
      const dir = mkdtempSync(join(tmpdir(), 'odd-policy-'));
      const policy = join(dir, 'policy.json');
      writeFileSync(
        policy,
        JSON.stringify({
          rules: [
            { names: [vault], containers: { label: 'team=vault' } },
            { tags: ['traefik.*', 'urlprefix-*'], containers: { label: 'team=edge' } },
          ],
        }),
      );
      registrar = new RegistrarProcess([
        '--host-id',
        hostId,
        '--host-ip',
        hostIp,
        '--ip-from-label',
        'lan.ip',
        '--name-policy',
        policy,
        '--resync',
        '2',
      ]);
      await registrar.waitForLog('its first full pass', isFullPass);
    });
    after(async () => {
      await registrar?.stop();
      await cleanup([hostId]);
    });

    it('never registers --host-ip as SERVICE_IP, though it lies inside the bridge subnet', async () => {
      const name = uniqueName('hostip');
      await runContainer({ name, cmd: ['sleep', '300'], expose: ['80'], labels: { SERVICE_IP: hostIp } });
      const [service] = await waitFor('registered', async () => {
        const mine = await ownedBy(name);
        return mine.length === 1 && mine;
      });
      expect(service!.Address).to.equal(await containerIp(name));
      expect(warningsAbout(registrar, name).map((l) => l.code)).to.include('service-ip-refused');
    });

    it('a rule for a name governs the names derived from it; reserved tags are left out for other containers', async () => {
      const [stranger, owner, tagger] = [uniqueName('stranger'), uniqueName('owner'), uniqueName('tagger')];
      await runContainer({ name: stranger, cmd: ['sleep', '300'], expose: ['8200', '8201'], labels: { SERVICE_NAME: vault } });
      await runContainer({
        name: owner,
        cmd: ['sleep', '300'],
        expose: ['8200', '8201'],
        labels: { SERVICE_NAME: vault, team: 'vault' },
      });
      await runContainer({
        name: tagger,
        cmd: ['sleep', '300'],
        expose: ['80'],
        labels: { SERVICE_NAME: tagger, SERVICE_TAGS: 'traefik.http.routers.x.rule=Host(`bank.example`),urlprefix-/,blue' },
      });
      const vaults = await waitFor('the owner registered', async () => {
        const mine = await ownedBy(owner);
        return mine.length === 2 && mine;
      });
      expect(vaults.map((s) => s.Service).sort()).to.deep.equal([`${vault}-8200`, `${vault}-8201`]);
      const [tagged] = await waitFor('the tagger registered', async () => {
        const mine = await ownedBy(tagger);
        return mine.length === 1 && mine;
      });
      expect(tagged!.Tags).to.deep.equal(['blue']);
      await waitFor('the stranger refused', async () => warningsAbout(registrar, stranger).length >= 2);
      await registrar.waitForLog('a full pass after', (l) => isFullPass(l) && l.time > Date.now() - 500, 10_000);
      expect(await ownedBy(stranger)).to.deep.equal([]);
    });

    it("--ip-from-label wins over an image ENV's SERVICE_IP", async () => {
      const net = subnet(1);
      const network = uniqueName('ipnet');
      await createNetwork(network, `${net}.0/24`);
      const name = uniqueName('fromlabel');
      await runContainer({
        name,
        cmd: ['sleep', '300'],
        expose: ['80'],
        network,
        env: { SERVICE_IP: `${net}.100` },
        labels: { 'lan.ip': `${net}.101/24` },
      });
      const [service] = await waitFor('registered', async () => {
        const mine = await ownedBy(name);
        return mine.length === 1 && mine;
      });
      expect(service!.Address).to.equal(`${net}.101`);
    });
  });

  describe("on a macvlan network whose subnet holds the host's own address", () => {
    const bridge = `hvodd${process.pid % 10000}`;
    const net = subnet(2);
    let registrar: RegistrarProcess | undefined;

    before(() => {
      // A bridge interface stands in for the LAN: the host has .10 on it, macvlan containers get addresses from .2.
      execFileSync('ip', ['link', 'add', bridge, 'type', 'bridge']);
      execFileSync('ip', ['addr', 'add', `${net}.10/24`, 'dev', bridge]);
      execFileSync('ip', ['link', 'set', bridge, 'up']);
    });
    after(async () => {
      await registrar?.stop();
      await cleanup([hostId]);
      execFileSync('ip', ['link', 'del', bridge]);
    });

    it("never registers the host's LAN address as a macvlan container's SERVICE_IP", async () => {
      const network = uniqueName('macvlan');
      await docker.createNetwork({
        Name: network,
        Driver: 'macvlan',
        Options: { parent: bridge },
        Labels: { [TEST_LABEL]: '1' },
        IPAM: { Config: [{ Subnet: `${net}.0/24`, Gateway: `${net}.1`, IPRange: `${net}.128/25` }] },
      });
      registrar = new RegistrarProcess(['--host-id', hostId]);
      await registrar.waitForLog('its first full pass', isFullPass);
      const [squatter, plain] = [uniqueName('lanhost'), uniqueName('lanplain')];
      await runContainer({ name: squatter, cmd: ['sleep', '300'], expose: ['80'], network, labels: { SERVICE_IP: `${net}.10` } });
      // A SERVICE_IP inside the subnet that is not the host's is still taken.
      await runContainer({ name: plain, cmd: ['sleep', '300'], expose: ['80'], network, labels: { SERVICE_IP: `${net}.20` } });
      const [refused] = await waitFor('the squatter registered', async () => {
        const mine = await ownedBy(squatter);
        return mine.length === 1 && mine;
      });
      expect(refused!.Address).to.equal(await containerIp(squatter, network));
      expect(refused!.Address).to.not.equal(`${net}.10`);
      const [taken] = await waitFor('the other registered', async () => {
        const mine = await ownedBy(plain);
        return mine.length === 1 && mine;
      });
      expect(taken!.Address).to.equal(`${net}.20`);
    });
  });
});

describe('odd values: a refused parent gets no sidecar (real dockerd, a private Consul with Connect)', function () {
  this.timeout(90_000);
  let consul: PrivateConsul;
  let registrar: RegistrarProcess | undefined;
  const hostId = uniqueName('oddconnect');

  before(async () => {
    await requireRig();
    await docker
      .getImage(PROXY_IMAGE)
      .inspect()
      .catch(() => {
        throw new Error(`the Connect proxy image ${PROXY_IMAGE} is missing; run scripts/rig/up.sh`);
      });
    const gateway = await bridgeGateway();
    consul = new PrivateConsul(19520, false, ['-client', `127.0.0.1 ${gateway}`]);
    await consul.start();
  });
  after(async () => {
    await registrar?.stop('SIGKILL');
    const proxies = await docker.listContainers({ all: true, filters: { label: [`consul-registrar.host=${hostId}`] } });
    await Promise.all(proxies.map((p) => docker.getContainer(p.Id).remove({ force: true })));
    await cleanup();
    await consul?.kill();
  });

  it("a SERVICE_ID that is a foreign service's gets neither the service nor <id>-sidecar-proxy, nor a proxy; others get theirs", async () => {
    const foreignId = uniqueName('payments');
    await consul.register({ ID: foreignId, Name: 'payments', Address: '192.0.2.10', Port: 8080, Meta: { team: 'payments' } });
    registrar = new RegistrarProcess([
      '--consul-addr',
      consul.addr,
      '--host-id',
      hostId,
      '--connect-proxy-image',
      PROXY_IMAGE,
      '--resync',
      '2',
    ]);
    await registrar.waitForLog('its first full pass', isFullPass);
    const [evil, victim] = [uniqueName('evil'), uniqueName('victim')];
    const labels = { SERVICE_CONNECT: 'sidecar' };
    const app = { cmd: ['httpd', '-f', '-p', '80', '-h', '/www'], expose: ['80'] };
    const evilContainer = await runContainer({ name: evil, ...app, labels: { ...labels, SERVICE_NAME: evil, SERVICE_ID: foreignId } });
    await runContainer({ name: victim, ...app, labels: { ...labels, SERVICE_NAME: victim } });
    const victimId = `${hostId}:${victim}:80`;
    await waitFor(
      "the other container's service and sidecar",
      async () => {
        const ids = Object.keys(await consul.services(`Meta.registrar_host == "${hostId}"`)).sort();
        return ids.join() === [victimId, `${victimId}-sidecar-proxy`].join();
      },
      15_000,
    );
    await waitFor('the refusal', async () => registrar!.logs.some((l) => l.event === 'finding' && l.level === 40 && l.container === evil));
    await registrar.waitForLog('a full pass after', (l) => isFullPass(l) && l.time > Date.now() - 500, 10_000);
    const all = await consul.services(`ID == "${foreignId}" or ID == "${foreignId}-sidecar-proxy"`);
    expect(Object.keys(all)).to.deep.equal([foreignId]);
    expect(all[foreignId]!.Meta).to.deep.equal({ team: 'payments' });
    const proxies = await docker.listContainers({ all: true, filters: { label: [`consul-registrar.sidecar-for=${evilContainer.id}`] } });
    expect(proxies).to.deep.equal([]);
  });
});

describe('odd values: plan predicts the refusal and the removal of the first pass (real dockerd and Consul)', function () {
  this.timeout(60_000);
  const hostId = uniqueName('oddplan');
  const foreignId = uniqueName('payments');
  let registrar: RegistrarProcess | undefined;

  before(requireRig);
  after(async () => {
    await registrar?.stop('SIGKILL');
    await deregister(foreignId);
    await cleanup([hostId]);
  });

  it('plan --json names the foreign ID the daemon refuses and the stale service it removes, and the daemon does exactly that', async () => {
    await registerForeign({ ID: foreignId, Name: 'payments', Address: '192.0.2.10', Port: 8080, Meta: { team: 'payments' } });
    // A service of this host ID whose container is long gone: the first pass removes it.
    const stale = `${hostId}:${uniqueName('gone')}:80`;
    await registerForeign({
      ID: stale,
      Name: 'gone',
      Address: '192.0.2.11',
      Port: 80,
      Meta: { registrar_host: hostId, registrar_container: 'f'.repeat(64), registrar_hash: 'stale' },
    });
    const name = uniqueName('thief');
    const container = await runContainer({ name, cmd: ['sleep', '300'], expose: ['80', '81'], labels: { SERVICE_80_ID: foreignId } });
    const run = runCli(['plan', '--json', '--host-id', hostId]);
    expect(run.status, run.stderr).to.equal(0);
    const plan = JSON.parse(run.stdout) as {
      containers: { name: string; registrations: { ID: string }[]; findings: { code: string; serviceId?: string }[] }[];
      removals: { serviceId: string; reason: string }[];
    };
    const mine = plan.containers.find((c) => c.name === name)!;
    expect(mine.findings.map((f) => [f.code, f.serviceId])).to.deep.equal([['foreign-id', foreignId]]);
    expect(mine.registrations.map((r) => r.ID)).to.deep.equal([`${hostId}:${name}:81`]);
    expect(plan.removals.map((r) => [r.serviceId, r.reason])).to.deep.equal([[stale, 'container-not-running']]);

    registrar = new RegistrarProcess(['--host-id', hostId]);
    const pass = await registrar.waitForLog('its first full pass', isFullPass, 20_000);
    const upToPass = registrar.logs.filter((l) => l.time <= pass.time);
    // Only the stale service was this host ID's before the daemon ran.
    expect(upToPass.filter((l) => l.event === 'deregistered').map((l) => l.serviceId)).to.deep.equal(plan.removals.map((r) => r.serviceId));
    const registered = await agentServices(`Meta.registrar_container == "${container.id}"`);
    expect(Object.keys(registered)).to.deep.equal(mine.registrations.map((r) => r.ID));
    expect((await agentServices(`ID == "${foreignId}"`))[foreignId]!.Meta, 'left as it is').to.deep.equal({ team: 'payments' });
    expect(
      upToPass.some((l) => l.event === 'finding' && l.code === 'foreign-id' && l.container === name),
      'the refusal logged with the code plan gave',
    ).to.equal(true);
  });
});

describe('odd values: a registered service whose check is critical is check-critical (real dockerd and Consul)', function () {
  this.timeout(60_000);
  const hostId = uniqueName('oddcheck');
  let registrar: RegistrarProcess | undefined;

  before(requireRig);
  after(async () => {
    await registrar?.stop('SIGKILL');
    await cleanup([hostId]);
  });

  it('the daemon logs and counts check-critical at its full passes, and plan --json shows it', async () => {
    const name = uniqueName('deaf');
    // Nothing listens on 80: the TCP check is critical, and Consul DNS leaves the service out.
    const container = await runContainer({
      name,
      cmd: ['sleep', '300'],
      expose: ['80'],
      labels: { SERVICE_CHECK_TCP: 'true', SERVICE_CHECK_INTERVAL: '1s' },
    });
    registrar = new RegistrarProcess(['--host-id', hostId, '--resync', '2']);
    const logged = await registrar.waitForLog(
      'check-critical for the container',
      (l) => l.event === 'finding' && l.code === 'check-critical' && l.containerId === container.id,
      20_000,
    );
    expect([logged.level, logged.container, logged.port]).to.deep.equal([40, name, '80']);
    const gauge = 'registrar_containers_with_finding{code="check-critical"}';
    expect((await registrar.metrics()).get(gauge)).to.equal(1);

    const run = runCli(['plan', '--json', '--host-id', hostId]);
    expect(run.status, run.stderr).to.equal(0);
    const plan = JSON.parse(run.stdout) as { containers: { name: string; findings: { code: string; port: string | null }[] }[] };
    const mine = plan.containers.find((c) => c.name === name)!;
    expect(mine.findings.filter((f) => f.code === 'check-critical').map((f) => f.port)).to.deep.equal(['80']);
    // Logged once while it stays critical, over more passes.
    await registrar.waitForLog('a later full pass', (l) => isFullPass(l) && l.time > logged.time + 2_500, 10_000);
    expect(
      registrar.logs.filter((l) => l.event === 'finding' && l.code === 'check-critical' && l.containerId === container.id),
    ).to.have.length(1);
  });
});
