// Labels and image ENV are written by people the operator does not control (issue: treat every
// label as hostile). Each reproduction of that issue, on a real dockerd and a real Consul agent,
// now ends safely: no token in check output, no foreign service touched, no flood, no ID Consul
// cannot remove, no address outside the container's own networks, no name the operator reserved.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { ROOT_USER_PROBLEM } from '../../src/checks/nsenter.js';
import { isFullPass, RegistrarProcess, type LogLine } from '../support/registrar-process.js';
import {
  agentServices,
  checksOf,
  cleanup,
  containerIp,
  deregister,
  docker,
  IMAGE,
  registerForeign,
  requireRig,
  runContainer,
  TEST_LABEL,
  uniqueName,
  waitFor,
} from '../support/rig.js';

const execFileAsync = promisify(execFile);
const TOKEN = `token-${randomBytes(12).toString('hex')}`;
const warningsAbout = (registrar: RegistrarProcess, container: string): LogLine[] =>
  registrar.logs.filter((l) => l.event === 'finding' && l.container === container);

describe('containment: hostile labels on real Docker and Consul', function () {
  this.timeout(120_000);
  const hostId = uniqueName('contain');
  let registrar: RegistrarProcess;
  const owned = async () => Object.values(await agentServices(`Meta.registrar_host == "${hostId}"`));
  const ownedBy = async (container: string) => (await owned()).filter((s) => s.ID.includes(`:${container}:`) || s.Service === container);

  before(async () => {
    await requireRig();
    await cleanup([hostId]);
    // --resync 2: the test of a left-over ID needs a full pass after it sets that ID up.
    registrar = new RegistrarProcess(['--host-id', hostId, '--resync', '2'], { CONSUL_HTTP_TOKEN: TOKEN });
    await registrar.waitForLog('its first full pass', isFullPass);
  });
  after(async () => {
    await registrar?.stop();
    await cleanup([hostId]);
  });

  it("never overwrites, nor removes, a service it did not register (another tool's, another host ID's)", async () => {
    const foreignId = uniqueName('payments');
    const otherHostsId = uniqueName('other-host-svc');
    await registerForeign({ ID: foreignId, Name: 'payments', Address: '192.0.2.10', Port: 8080, Meta: { team: 'payments' } });
    await registerForeign({
      ID: otherHostsId,
      Name: 'api',
      Address: '192.0.2.11',
      Port: 80,
      Meta: { registrar_host: 'another-host', registrar_container: 'x' },
    });
    try {
      const thief = uniqueName('thief');
      await runContainer({
        name: thief,
        cmd: ['sleep', '300'],
        expose: ['8080', '80'],
        // The second in upper case: the agent keeps it apart, but Consul's catalog would take it for the same service.
        labels: { SERVICE_8080_ID: foreignId, SERVICE_80_ID: otherHostsId.toUpperCase() },
      });
      await waitFor('a refusal for each ID', async () => {
        const ports = warningsAbout(registrar, thief)
          .filter((l) => l.code === 'foreign-id')
          .map((l) => l.port);
        return ports.includes('8080') && ports.includes('80');
      });
      const refusals = (await registrar.metrics()).get('registrar_ownership_refusals_total') ?? 0;
      expect(refusals).to.be.at.least(2);
      await docker.getContainer(thief).stop({ t: 0 });
      await new Promise((r) => setTimeout(r, 1000)); // long enough for a wrongful deregistration to show
      const all = await agentServices();
      expect(all[foreignId]).to.deep.include({ Address: '192.0.2.10', Port: 8080, Meta: { team: 'payments' } });
      expect(all[otherHostsId]).to.deep.include({ Address: '192.0.2.11', Port: 80 });
    } finally {
      await deregister(foreignId);
      await deregister(otherHostsId);
    }
  });

  it("gives a container its default ID though another, started first, asked for it; after the owner's restart too; and a sidecar-shaped one", async () => {
    const victim = uniqueName('payments');
    const evil = uniqueName('evil');
    const victimId = `${hostId}:${victim}:8080`;
    // The container this registrar's service under that ID is for (another host ID's entry counts as none).
    const holderOf = async (id: string) => {
      const service = (await agentServices())[id];
      return service?.Meta.registrar_host === hostId ? service.Meta.registrar_container : undefined;
    };
    const squatterWarnings = (name: string) =>
      warningsAbout(registrar, name).filter((l) => l.code === 'service-id-reserved' && l.label === 'SERVICE_ID');
    const evilContainer = await runContainer({ name: evil, cmd: ['sleep', '300'], expose: ['8080'], labels: { SERVICE_ID: victimId } });
    const evilId = (await evilContainer.inspect()).Id;
    await waitFor('evil under its own default ID', async () => (await holderOf(`${hostId}:${evil}:8080`)) === evilId);
    expect(await holderOf(victimId), 'nobody holds the victim ID before it starts').to.equal(undefined);
    const victimContainer = await runContainer({
      name: victim,
      cmd: ['httpd', '-f', '-p', '8080', '-h', '/www'],
      expose: ['8080'],
      labels: { SERVICE_CHECK_TCP: 'true', SERVICE_CHECK_INTERVAL: '1s' },
    });
    const victimContainerId = (await victimContainer.inspect()).Id;
    const passing = async () =>
      (await checksOf(victimId)).some((c) => c.Status === 'passing') && (await holderOf(victimId)) === victimContainerId;
    await waitFor('the victim under its default ID, passing', passing);
    expect(await agentServices(`Meta.registrar_container == "${evilId}"`)).to.have.keys([`${hostId}:${evil}:8080`]);
    const refusal = squatterWarnings(evil);
    expect(refusal).to.have.length(1);
    expect(refusal[0]!.level, 'a warning').to.equal(40);

    // The victim restarts: the ID is free while it is down, and still never the squatter's.
    await victimContainer.restart({ t: 0 });
    await waitFor('the victim back under its default ID, passing', passing);
    await new Promise((r) => setTimeout(r, 2500)); // a full pass (--resync 2) after it
    expect(await holderOf(victimId)).to.equal(victimContainerId);
    expect(squatterWarnings(evil), 'one warning, not one per sync').to.have.length(1);

    // As an earlier version left it: the ID registered for the squatter while the victim is down.
    await victimContainer.stop({ t: 0 });
    await waitFor('the ID free', async () => (await holderOf(victimId)) === undefined);
    await registerForeign({ ID: victimId, Name: 'payments', Port: 8080, Meta: { registrar_host: hostId, registrar_container: evilId } });
    const squatted = Date.now();
    await victimContainer.start();
    await waitFor('the victim taking its ID back, passing', passing);
    const how = registrar.logs.some((l) => l.event === 'default-id-taken-back' && l.squatter === evil)
      ? "taken back by the owner's sync"
      : "let go by the squatter's full pass";
    console.log(`      squatted ID ${how}; owner passing under it ${Date.now() - squatted} ms after the squat`);

    // A sidecar-shaped ID: refused the same way, and the container still registered under its own.
    const sidecarShaped = `${victimId}-sidecar-proxy`;
    const evil2 = uniqueName('evil');
    const evil2Id = (
      await (await runContainer({ name: evil2, cmd: ['sleep', '300'], expose: ['8080'], labels: { SERVICE_ID: sidecarShaped } })).inspect()
    ).Id;
    await waitFor('the second squatter under its own default ID', async () => (await holderOf(`${hostId}:${evil2}:8080`)) === evil2Id);
    await waitFor('its warning', async () => squatterWarnings(evil2).length === 1);
    expect(await holderOf(sidecarShaped)).to.equal(undefined);
    expect(await holderOf(victimId)).to.equal(victimContainerId);
  });

  it("falls back to the default ID for IDs Consul could not deregister ('../..', '/x') or that are reserved", async () => {
    const name = uniqueName('paths');
    await runContainer({
      name,
      cmd: ['sleep', '300'],
      expose: ['81', '82', '83'],
      labels: { SERVICE_NAME: name, SERVICE_81_ID: '../..', SERVICE_82_ID: '/x', SERVICE_83_ID: `consul-registrar:${hostId}` },
    });
    const ids = await waitFor('three services', async () => {
      const mine = (await owned()).filter((s) => s.Service.startsWith(name));
      return mine.length === 3 && mine.map((s) => s.ID).sort();
    });
    expect(ids).to.deep.equal([81, 82, 83].map((p) => `${hostId}:${name}:${p}`));
    expect((await owned()).filter((s) => s.ID.includes('/'))).to.deep.equal([]);
    await docker.getContainer(name).stop({ t: 0 });
    await waitFor('all three removed', async () => (await owned()).every((s) => !s.Service.startsWith(name)), 5000);
  });

  it('hands a left-over ID that Consul cannot deregister to its reaper, once, and Consul removes it', async function () {
    this.timeout(180_000);
    const id = `/${uniqueName('left-over')}`;
    // As an earlier version left it: owned by this host ID, for a container that no longer exists.
    await registerForeign({ ID: id, Name: 'left-over', Port: 1, Meta: { registrar_host: hostId, registrar_container: 'f'.repeat(64) } });
    try {
      const line = await registrar.waitForLog('the report', (l) => l.serviceId === id, 10_000);
      expect(line.level).to.equal(40);
      const service = await waitFor('re-registered without our Meta', async () => {
        const s = (await agentServices())[id];
        return s && !s.Meta.registrar_host && s;
      });
      expect(service.Meta).to.deep.equal({});
      const [check] = await checksOf(id);
      expect(check).to.include({ CheckID: `service:${id}:remove`, Status: 'critical' });
      await new Promise((r) => setTimeout(r, 4500)); // two more full passes: reported once only
      expect(registrar.logs.filter((l) => l.serviceId === id)).to.have.length(1);
      const handed = Date.now();
      await waitFor('Consul reaping it', async () => !(await agentServices())[id], 120_000, 1000);
      console.log(`      reaped by Consul ${Math.round((Date.now() - handed) / 1000)} s after the check above`);
    } finally {
      await registerForeign({
        ID: id,
        Name: 'left-over',
        Port: 1,
        Checks: [{ CheckID: 'gone', Name: 'gone', TTL: '1s', DeregisterCriticalServiceAfter: '1m' }],
      });
    }
  });

  it('registers at most --max-services of 65,535 exposed ports, stays responsive, and removes them all on stop', async () => {
    const name = uniqueName('flood');
    let slowest = 0;
    let polling = true;
    const port = await registrar.httpPort();
    const poll = (async () => {
      while (polling) {
        const started = performance.now();
        const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
        await res.text();
        slowest = Math.max(slowest, performance.now() - started);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      // The docker CLI (not blocking this process, whose poll measures /healthz): dockerode's create
      // request is refused by dockerd at this size (431).
      await execFileAsync('docker', [
        'run',
        '-d',
        '--name',
        name,
        '--label',
        `${TEST_LABEL}=1`,
        '--label',
        `SERVICE_NAME=${name}`,
        '--expose',
        '1-65535',
        IMAGE,
        'sleep',
        '300',
      ]);
      const regs = await waitFor(
        '64 services',
        async () => {
          const mine = await ownedBy(name);
          return mine.length >= 64 && mine;
        },
        30_000,
        200,
      );
      await new Promise((r) => setTimeout(r, 1000));
      const settled = await ownedBy(name);
      expect(settled).to.have.length(64);
      expect(regs.map((s) => s.Port).sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 64 }, (_, i) => i + 1));
      const warning = warningsAbout(registrar, name).find((l) => l.code === 'too-many-ports');
      expect(warning, 'the cap is said').to.not.equal(undefined);
      await docker.getContainer(name).remove({ force: true });
      const removedAt = Date.now();
      await waitFor('every one of them removed', async () => (await ownedBy(name)).length === 0, 10_000, 100);
      console.log(
        `      /healthz slowest answer ${Math.round(slowest)} ms; 64 services removed ${Date.now() - removedAt} ms after the container`,
      );
    } finally {
      polling = false;
      await poll;
    }
    expect(slowest, '/healthz answers within a second throughout').to.be.below(1000);
  });

  it("never registers SERVICE_IP 127.0.0.1 or 169.254.169.254, nor an address outside the container's networks", async () => {
    for (const ip of ['127.0.0.1', '169.254.169.254', '192.0.2.99']) {
      const name = uniqueName('ip');
      await runContainer({
        name,
        cmd: ['sleep', '300'],
        expose: ['9100'],
        labels: { SERVICE_NAME: name, SERVICE_IP: ip, SERVICE_CHECK_HTTP: '/' },
      });
      const own = await containerIp(name);
      const [reg] = await waitFor(`${name} registered`, async () => {
        const mine = await ownedBy(name);
        return mine.length === 1 && mine;
      });
      expect(reg!.Address, `SERVICE_IP=${ip}`).to.equal(own);
      const warning = await waitFor('the warning', async () => warningsAbout(registrar, name).find((l) => l.code === 'service-ip-refused'));
      expect(warning.label).to.equal('SERVICE_IP');
    }
  });
});

describe('containment: the operator name policy (--name-policy)', function () {
  this.timeout(60_000);
  const hostId = uniqueName('policy');
  let registrar: RegistrarProcess;

  before(async () => {
    await requireRig();
    const dir = mkdtempSync(join(tmpdir(), 'policy-'));
    const file = join(dir, 'names.json');
    writeFileSync(file, JSON.stringify({ rules: [{ names: ['vault', 'vault-*'], containers: { image: 'hashicorp/vault*' } }] }));
    registrar = new RegistrarProcess(['--host-id', hostId, '--resync', '0', '--name-policy', file]);
    await registrar.waitForLog('its first full pass', isFullPass);
  });
  after(async () => {
    await registrar?.stop();
    await cleanup([hostId]);
  });

  it('keeps a busybox container from registering "vault" with tag active, and lets it register its own name', async () => {
    const impostor = uniqueName('impostor');
    const honest = uniqueName('honest');
    await runContainer({
      name: impostor,
      cmd: ['sleep', '300'],
      expose: ['8200'],
      labels: { SERVICE_NAME: 'vault', SERVICE_TAGS: 'active' },
    });
    await runContainer({ name: honest, cmd: ['sleep', '300'], expose: ['8080'], labels: { SERVICE_NAME: honest } });
    await waitFor('the honest one registered', async () => Object.keys(await agentServices(`Service == "${honest}"`)).length === 1);
    const warning = await waitFor('the refusal', async () =>
      warningsAbout(registrar, impostor).find((l) => l.code === 'service-name-reserved'),
    );
    expect(warning).to.include({ port: '8200', label: 'SERVICE_NAME' });
    expect(await agentServices(`Meta.registrar_host == "${hostId}" and Service == "vault"`)).to.deep.equal({});
  });
});

// nsenter twice: with setpriv adding no_new_privs, and under a registrar that has it itself.
const EXECUTORS = [
  ['docker', []],
  ['nsenter', []],
  ['nsenter', ['setpriv', '--no-new-privs', '--']],
] as const;
for (const [executor, wrapper] of EXECUTORS) {
  const how = wrapper.length > 0 ? ', registrar itself under no_new_privs' : '';
  describe(`containment: script checks get no more than the container has (--script-executor ${executor}${how})`, function () {
    this.timeout(60_000);
    const hostId = uniqueName(`contain-${executor}`);
    let registrar: RegistrarProcess;
    const SCRIPT = 'sh -c \'env; id -u; id -G; grep -E "^(CapEff|NoNewPrivs)" /proc/self/status\'';

    before(async () => {
      await requireRig();
      registrar = new RegistrarProcess(
        ['--host-id', hostId, '--resync', '0', '--enable-script-checks', '--script-executor', executor],
        { CONSUL_HTTP_TOKEN: TOKEN },
        [...wrapper],
      );
      await registrar.waitForLog('its first full pass', isFullPass);
    });
    after(async () => {
      await registrar?.stop('SIGKILL');
      await cleanup([hostId]);
    });

    /** The script check's output once it has run, and the container's own main process status. */
    async function runCheck(user: string | undefined): Promise<{ output: string; name: string; containerCaps: string }> {
      const name = uniqueName('env');
      await runContainer({
        name,
        cmd: ['sleep', '600'],
        expose: ['7400'],
        // LD_PRELOAD: what the dynamic loader of a root process would load (a missing file here, which glibc reports).
        env: { APP_SETTING: 'from-the-image', LD_PRELOAD: '/nonexistent/preload.so' },
        ...(user ? { user } : {}),
        labels: { SERVICE_NAME: name, SERVICE_CHECK_INTERVAL: '1s', SERVICE_CHECK_SCRIPT: SCRIPT },
      });
      const id = `${hostId}:${name}:7400`;
      const check = await waitFor(
        'the script check run',
        async () => {
          const c = (await checksOf(id)).find((k) => k.CheckID === `service:${id}:script`);
          return c?.Output.includes('CapEff') && c;
        },
        15_000,
      );
      const pid = (await docker.getContainer(name).inspect()).State.Pid;
      const containerCaps = /^CapEff:\s*(\S+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]!;
      return { output: check.Output, name, containerCaps };
    }

    it("gives a root container's check the container's environment, never the registrar's token, and the container's capabilities", async () => {
      const { output, name, containerCaps } = await runCheck(undefined);
      expect(output).to.include('APP_SETTING=from-the-image');
      expect(output).to.include('SERVICE_PORT=7400');
      expect(output).to.not.include(TOKEN);
      expect(output).to.not.include('CONSUL_HTTP_TOKEN');
      expect(output, 'no root stage loaded what LD_PRELOAD names').to.not.include('cannot be preloaded');
      expect(output).to.match(/^0$/m);
      expect(/^CapEff:\s*(\S+)/m.exec(output)?.[1]).to.equal(containerCaps);
      if (executor === 'nsenter') {
        const { Id } = await docker.getContainer(name).inspect();
        const fallback = await registrar.waitForLog(
          'why nsenter was not used',
          (l) => l.code === 'script-executor-fallback' && l.containerId === Id,
        );
        expect(fallback.reason).to.equal(ROOT_USER_PROBLEM);
      }
    });

    it('runs the check of a container with USER app as uid 1000, with no capabilities and no registrar environment', async () => {
      const { output, containerCaps } = await runCheck('app');
      expect(output).to.match(/^1000$/m);
      // nsenter passes on only the container's PATH: its root stages must not see the author's variables.
      if (executor === 'docker') expect(output).to.include('APP_SETTING=from-the-image');
      else expect(output).to.not.include('APP_SETTING').and.not.include('LD_PRELOAD');
      expect(output).to.include('SERVICE_PORT=7400');
      expect(output, 'no root stage loaded what LD_PRELOAD names').to.not.include('cannot be preloaded');
      expect(output).to.not.include(TOKEN);
      expect(/^CapEff:\s*(\S+)/m.exec(output)?.[1]).to.equal('0000000000000000');
      expect(containerCaps).to.equal('0000000000000000');
      if (executor === 'nsenter') expect(output).to.match(/^NoNewPrivs:\s*1$/m);
    });

    // The container owns its /etc/passwd: rewritten after start, it must not name the check's group.
    if (executor === 'nsenter')
      it('runs the check with the gid the kernel gave the container, not the one its rewritten /etc/passwd names', async () => {
        const name = uniqueName('passwd');
        await runContainer({
          name,
          image: await writablePasswdImage(),
          cmd: ['sh', '-c', `printf 'root:x:0:0:root:/:/bin/sh\\napp:x:1000:0:app:/:/bin/sh\\n' > /etc/passwd && exec sleep 600`],
          expose: ['7400'],
          labels: { SERVICE_NAME: name, SERVICE_CHECK_INTERVAL: '1s', SERVICE_CHECK_SCRIPT: "sh -c 'echo gid=$(id -g) uid=$(id -u)'" },
        });
        const id = `${hostId}:${name}:7400`;
        const check = await waitFor(
          'the script check run',
          async () => (await checksOf(id)).find((k) => k.CheckID === `service:${id}:script` && k.Output.includes('gid=')),
          15_000,
        );
        const passwd = await execFileAsync('docker', ['exec', name, 'cat', '/etc/passwd']);
        expect(passwd.stdout, 'the container did rewrite its line').to.include('app:x:1000:0:');
        expect(check.Output).to.match(/gid=1000 uid=1000/);
        expect(check.Status).to.equal('passing');
      });

    // Docker lets a container's root mknod any device; its device cgroup is what refuses the open.
    if (executor === 'nsenter')
      it("keeps the check inside its container's device control: a host disk node made by the container's root does not open", async () => {
        const device = hostBlockDevice();
        const name = uniqueName('mknod');
        await runContainer({
          name,
          cmd: ['sh', '-c', `mknod /tmp/disk b ${device} && chmod 666 /tmp/disk && exec su app -s /bin/sh -c 'exec sleep 600'`],
          expose: ['7400'],
          labels: {
            SERVICE_NAME: name,
            SERVICE_CHECK_INTERVAL: '1s',
            SERVICE_CHECK_SCRIPT: "sh -c 'head -c 1 /tmp/disk >/dev/null 2>&1 && echo opened || echo refused'",
          },
        });
        const id = `${hostId}:${name}:7400`;
        // Six seconds of runs, each seen (one a second): each run's move into the cgroups would race its start.
        const seen: string[] = [];
        const until = Date.now() + 6_000;
        while (Date.now() < until) {
          const check = (await checksOf(id)).find((k) => k.CheckID === `service:${id}:script`);
          if (check?.Output.trim()) seen.push(check.Output.trim());
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        expect(seen, 'the check ran').to.include('refused');
        expect(seen).to.not.include('opened');
      });
  });
}

/** A block device of this host that root here can open ("MAJOR MINOR"), for a node a container makes with mknod. */
function hostBlockDevice(): string {
  for (const entry of readdirSync('/sys/dev/block')) {
    try {
      closeSync(openSync(`/dev/${basename(readlinkSync(`/sys/dev/block/${entry}`))}`, 'r'));
      return entry.replace(':', ' ');
    } catch {
      // not readable here
    }
  }
  throw new Error('no block device of this host opens for root here: the device-control test needs one');
}

/** The rig's busybox with a world-writable /etc/passwd and USER app (1000:1000), committed here, offline, once. */
async function writablePasswdImage(): Promise<string> {
  const image = 'consul-registrar-test/writable-passwd';
  const tag = '1';
  const found = await docker
    .getImage(`${image}:${tag}`)
    .inspect()
    .catch(() => undefined);
  if (found) return `${image}:${tag}`;
  const builder = await runContainer({ name: uniqueName('passwd-build'), cmd: ['busybox', 'chmod', '666', '/etc/passwd'] });
  await builder.wait();
  await builder.commit({ repo: image, tag, changes: 'USER app' });
  await builder.remove({ force: true });
  return `${image}:${tag}`;
}
