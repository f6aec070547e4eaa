// The Consul fields other registrars offer and the fayrus/registrator fork's keys, on real dockerd
// and Consul: a published port as the wan tagged address in the catalog and in health answers.
import { expect } from 'chai';
import { isFullPass, RegistrarProcess, runCli } from '../support/registrar-process.js';
import {
  agentServices,
  bridgeGateway,
  cleanup,
  checksOf,
  CONSUL,
  consulJson,
  dnsA,
  dnsSrv,
  docker,
  runContainer,
  IMAGE,
  requireRig,
  TEST_LABEL,
  uniqueName,
  waitFor,
} from '../support/rig.js';

interface Pair {
  Address: string;
  Port: number;
}

const consul = async <T>(path: string): Promise<T> => (await consulJson(path)) as T;

/** A container whose port 80 is published on a host port the engine picks. */
async function runPublished(name: string, labels: Record<string, string>): Promise<number> {
  const container = await docker.createContainer({
    name,
    Image: IMAGE,
    Cmd: ['sleep', '300'],
    Labels: { [TEST_LABEL]: '1', ...labels },
    ExposedPorts: { '80/tcp': {} },
    HostConfig: { NetworkMode: 'bridge', PortBindings: { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '' }] } },
  });
  await container.start();
  const bound = (await container.inspect()).NetworkSettings.Ports['80/tcp']?.[0]?.HostPort;
  if (!bound) throw new Error(`${name}: the engine published port 80 on no host port`);
  return Number(bound);
}

describe('fork keys and Consul fields on real Docker and Consul', function () {
  this.timeout(120_000);
  const hostId = uniqueName('fork');
  let registrar: RegistrarProcess | undefined;
  let hostIp = '';

  before(async () => {
    await requireRig();
    await cleanup([hostId]);
    hostIp = await bridgeGateway();
    registrar = new RegistrarProcess(['--host-id', hostId, '--host-ip', hostIp, '--resync', '2']);
    await registrar.waitForLog('its first full pass', isFullPass);
  });
  after(async () => {
    await registrar?.stop();
    await cleanup([hostId]);
  });

  describe('tagged addresses', () => {
    it('gives a published port as the wan tagged address in the catalog and in /v1/health/service, and leaves them out when off', async () => {
      const [name, off] = [uniqueName('wan'), uniqueName('nowan')];
      const hostPort = await runPublished(name, { SERVICE_NAME: name });
      await runPublished(off, { SERVICE_NAME: off, SERVICE_TAGGED_ADDRESSES: 'off' });
      const wan = { Address: hostIp, Port: hostPort };
      const [entry] = await waitFor(
        'the catalog entry with its wan address',
        async () => {
          const entries = await consul<{ ServiceAddress: string; ServicePort: number; ServiceTaggedAddresses?: Record<string, Pair> }[]>(
            `/catalog/service/${name}`,
          );
          return entries[0]?.ServiceTaggedAddresses?.wan ? entries : undefined;
        },
        20_000,
      );
      expect(entry!.ServiceTaggedAddresses).to.deep.include({
        wan,
        wan_ipv4: wan,
        lan: { Address: entry!.ServiceAddress, Port: 80 },
        lan_ipv4: { Address: entry!.ServiceAddress, Port: 80 },
      });
      expect(entry!.ServicePort, 'the service itself stays on its own port').to.equal(80);
      const health = await consul<{ Service: { TaggedAddresses?: Record<string, Pair> } }[]>(`/health/service/${name}`);
      expect(health[0]!.Service.TaggedAddresses?.wan).to.deep.equal(wan);

      const [plain] = await waitFor('the service without tagged addresses', async () => {
        const entries = await consul<{ ServiceTaggedAddresses?: Record<string, Pair> }[]>(`/catalog/service/${off}`);
        return entries.length > 0 ? entries : undefined;
      });
      // Consul fills lan_ipv4/wan_ipv4 in with the service address itself; ours are not there.
      expect(plain!.ServiceTaggedAddresses?.wan?.Port ?? 80).to.equal(80);
      expect(plain!.ServiceTaggedAddresses ?? {}).to.not.have.property('lan');
    });
  });

  describe('weights', () => {
    it('gives SERVICE_WEIGHT_PASSING as the SRV weight of a passing instance in Consul DNS', async () => {
      const [heavy, plain] = [uniqueName('heavy'), uniqueName('light')];
      await runContainer({
        name: heavy,
        cmd: ['sleep', '300'],
        expose: ['80'],
        labels: { SERVICE_NAME: heavy, SERVICE_WEIGHT_PASSING: '37' },
      });
      await runContainer({
        name: plain,
        cmd: ['sleep', '300'],
        expose: ['80'],
        labels: { SERVICE_NAME: plain, SERVICE_WEIGHT_PASSING: '0' },
      });
      const [answer] = await waitFor('an SRV answer', async () => ((await dnsSrv(heavy)).length > 0 ? dnsSrv(heavy) : undefined), 20_000);
      expect(answer).to.include({ port: 80, weight: 37 });
      const [refused] = await waitFor('an SRV answer', async () => ((await dnsSrv(plain)).length > 0 ? dnsSrv(plain) : undefined), 20_000);
      expect(refused!.weight, 'a refused weight keeps the default').to.equal(1);
      await registrar!.waitForLog('the weight-refused finding', (l) => l.code === 'weight-refused' && l.container === plain);
    });
  });

  describe("the fayrus/registrator fork's keys and flags", () => {
    it('accepts -ip-from-container with one info line', () => {
      const run = runCli(['-ip-from-container', '--host-id', hostId, 'plan', '--json']);
      expect(run.status, run.stderr).to.equal(0);
      const notes = run.stderr
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { event?: string; flag?: string })
        .filter((l) => l.event === 'registrator-flag' && l.flag === '-ip-from-container');
      expect(notes).to.have.length(1);
    });

    it('SERVICE_ENABLE_TAG_OVERRIDE=true: tags another tool writes to the catalog entry stay through full passes', async () => {
      const name = uniqueName('override');
      await runContainer({
        name,
        cmd: ['sleep', '300'],
        expose: ['80'],
        labels: { SERVICE_NAME: name, SERVICE_TAGS: 'mine', SERVICE_ENABLE_TAG_OVERRIDE: 'true' },
      });
      const id = `${hostId}:${name}:80`;
      const service = await waitFor('registered', async () => (await agentServices(`Service == "${name}"`))[id], 20_000);
      expect((service as unknown as { EnableTagOverride?: boolean }).EnableTagOverride).to.equal(true);
      const self = await consul<{ Config: { NodeName: string } }>('/agent/self');
      const res = await fetch(`${CONSUL}/catalog/register`, {
        method: 'PUT',
        body: JSON.stringify({
          Node: self.Config.NodeName,
          SkipNodeUpdate: true,
          Service: { ID: id, Service: name, Tags: ['theirs'], Address: service.Address, Port: 80, EnableTagOverride: true },
        }),
      });
      expect(res.ok, await res.text()).to.equal(true);
      const passes = registrar!.logs.filter(isFullPass).length;
      await registrar!.waitForLog('two more full passes', () => registrar!.logs.filter(isFullPass).length >= passes + 2, 20_000);
      const [entry] = await consul<{ ServiceTags: string[] }[]>(`/catalog/service/${name}`);
      expect(entry!.ServiceTags).to.deep.equal(['theirs']);
    });

    it('SERVICE_<port>_<proto>_NAME names that port over SERVICE_<port>_NAME and SERVICE_NAME', async () => {
      const name = uniqueName('proto');
      await runContainer({
        name,
        cmd: ['sleep', '300'],
        expose: ['80', '81'],
        labels: { SERVICE_NAME: `${name}-all`, SERVICE_80_NAME: `${name}-port`, SERVICE_80_tcp_NAME: `${name}-tcp` },
      });
      const id = `${hostId}:${name}:80`;
      const service = await waitFor('registered', async () => (await agentServices(`Service == "${name}-tcp"`))[id], 20_000);
      expect(service.Port).to.equal(80);
      const other = await waitFor('port 81', async () => (await agentServices(`Service == "${name}-all-81"`))[`${hostId}:${name}:81`]);
      expect(other.Port).to.equal(81);
    });

    it("SERVICE_<N>-<M>_IGNORE leaves the range's ports out, a port's own key winning, and a range high to low is refused", async () => {
      const name = uniqueName('range');
      await runContainer({
        name,
        cmd: ['sleep', '300'],
        expose: ['80', '8000', '8001', '8002'],
        labels: { SERVICE_NAME: name, 'SERVICE_8000-8002_IGNORE': 'true', SERVICE_8001_IGNORE: 'false', 'SERVICE_90-89_IGNORE': 'true' },
      });
      await registrar!.waitForLog('the port-range-refused finding', (l) => l.code === 'port-range-refused' && l.container === name);
      const ports = await waitFor(
        'ports 80 and 8001',
        async () => {
          const found = Object.values(await agentServices(`Service matches "^${name}-"`)).map((s) => s.Port);
          return found.length >= 2 ? found.sort((a, b) => a - b) : undefined;
        },
        20_000,
      );
      const passes = registrar!.logs.filter(isFullPass).length;
      await registrar!.waitForLog('another full pass', () => registrar!.logs.filter(isFullPass).length > passes, 20_000);
      expect(ports).to.deep.equal([80, 8001]);
      expect(Object.keys(await agentServices(`Service matches "^${name}-"`))).to.have.length(2);
    });

    it('SERVICE_TAGS fills in the four template fields from the container itself, and keeps any other as written', async () => {
      const name = uniqueName('tpl');
      const container = await runContainer({
        name,
        cmd: ['sleep', '300'],
        expose: ['80'],
        env: { SECRET: 'never' },
        labels: {
          SERVICE_NAME: name,
          team: 'ops',
          SERVICE_TAGS: 'h={{.Config.Hostname}},n={{.Name}},i={{.Config.Image}},t={{index .Config.Labels "team"}},{{.Config.Env}}',
        },
      });
      const id = `${hostId}:${name}:80`;
      const service = await waitFor('registered', async () => (await agentServices(`Service == "${name}"`))[id], 20_000);
      const hostname = (await container.inspect()).Config.Hostname;
      expect(service.Tags).to.deep.equal([`h=${hostname}`, `n=${name}`, `i=${IMAGE}`, 't=ops', '{{.Config.Env}}']);
      await registrar!.waitForLog(
        'the tag-template-unsupported finding',
        (l) => l.code === 'tag-template-unsupported' && l.container === name,
      );
    });

    it('SERVICE_80_ALIASES: Consul DNS answers each alias with the container, checks passing, and all leave when it stops', async () => {
      const name = uniqueName('alias');
      // The agent is shared: the aliases carry the test's unique name, as "www" and "web-alt" would collide between runs.
      const [www, alt] = [`www-${name}`, `web-alt-${name}`];
      const container = await runContainer({
        name,
        cmd: ['httpd', '-f', '-p', '80', '-h', '/www'],
        expose: ['80'],
        labels: { SERVICE_NAME: name, SERVICE_CHECK_TCP: 'true', SERVICE_CHECK_INTERVAL: '1s', SERVICE_80_ALIASES: `${www},${alt}` },
      });
      const address = (await container.inspect()).NetworkSettings.Networks.bridge!.IPAddress;
      const id = `${hostId}:${name}:80`;
      for (const alias of [name, www, alt]) {
        const answer = await waitFor(
          `${alias}.service.consul`,
          async () => ((await dnsA(alias)).length > 0 ? dnsA(alias) : undefined),
          20_000,
        );
        expect(answer, alias).to.deep.equal([address]);
      }
      const [srv] = await dnsSrv(www);
      expect(srv).to.include({ port: 80 });
      for (const alias of [www, alt]) {
        const checks = await checksOf(`${id}:alias:${alias}`);
        expect(checks.map((c) => [c.CheckID, c.Status])).to.deep.equal([[`service:${id}:alias:${alias}:primary`, 'passing']]);
      }
      const services = await agentServices(`Meta.registrar_host == "${hostId}" and Port == 80 and Address == "${address}"`);
      expect(Object.keys(services).sort()).to.deep.equal([id, `${id}:alias:${alt}`, `${id}:alias:${www}`]);

      await container.stop({ t: 1 });
      await waitFor(
        'every service of the container gone',
        async () => Object.keys(await agentServices(`Meta.registrar_container == "${container.id}"`)).length === 0,
        20_000,
      );
      for (const alias of [name, www, alt]) await waitFor(`no answer for ${alias}`, async () => (await dnsA(alias)).length === 0, 5_000);
    });
  });

  describe('plan --compare-with', () => {
    it("lists where the fork would register a container labelled its way differently, and Registrator's view only when asked", async () => {
      const name = uniqueName('cmp');
      await runContainer({
        name,
        cmd: ['sleep', '300'],
        expose: ['80'],
        env: { SERVICE_80_tcp_NAME: `${name}-tcp` },
        labels: { SERVICE_80_NAME: `${name}-port`, SERVICE_TAGS: 'n={{.Name}}', SERVICE_ENABLE_TAG_OVERRIDE: 'yes' },
      });
      const run = runCli(['--host-id', hostId, 'plan', name, '--json', '--compare-with', 'fork']);
      expect(run.status, run.stderr).to.equal(0);
      const [entry] = (JSON.parse(run.stdout) as { containers: { registratorDifferences: string[]; forkDifferences: string[] }[] })
        .containers;
      // The image's env is read before the labels: the fork takes the label, this registrar the protocol's key.
      expect(entry!.forkDifferences).to.include(`port 80: named ${name}-tcp here, ${name}-port by the fork`);
      expect(entry!.forkDifferences).to.include(`port 80: tags n=${name} here, n=/${name} by the fork`);
      expect(entry!.forkDifferences.some((l) => l.startsWith('port 80: EnableTagOverride on here, off by the fork'))).to.equal(true);
      expect(entry!.registratorDifferences).to.deep.equal([]);

      const both = runCli(['--host-id', hostId, 'plan', name], { REGISTRAR_COMPARE_WITH: 'both' });
      expect(both.status, both.stderr).to.equal(0);
      const lines = both.stdout.split('\n');
      expect(lines).to.include(`  differs from the fork: port 80: named ${name}-tcp here, ${name}-port by the fork`);
      expect(lines.some((l) => l.startsWith('  differs from Registrator: port 80: '))).to.equal(true);
    });
  });
});
