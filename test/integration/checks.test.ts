// Checks the registrar runs itself (issue: health checks inside the container): script checks via
// TTL with both executors, --ttl, and Docker HEALTHCHECK mirroring. Real dockerd, real Consul.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { expect } from 'chai';
import { NO_SHELL_OUTPUT } from '../../src/checks/run-job.js';
import { cpuSeconds } from '../support/proc.js';
import { isFullPass, RegistrarProcess } from '../support/registrar-process.js';
import {
  checksOf,
  cleanup,
  deregister,
  docker,
  ENGINE,
  execIn,
  noShellImage,
  requireRig,
  runContainer,
  uniqueName,
  waitFor,
} from '../support/rig.js';

const SECOND = 1_000_000_000; // Docker's durations are in ns

for (const executor of ['docker', 'nsenter'] as const) {
  describe(`script checks inside containers (--script-executor ${executor})`, function () {
    this.timeout(60_000);
    const hostId = uniqueName(`checks-${executor}`);
    let registrar: RegistrarProcess;
    const statusOf = async (serviceId: string, kind: string) =>
      (await checksOf(serviceId)).find((c) => c.CheckID === `service:${serviceId}:${kind}`);

    before(async () => {
      await requireRig();
      registrar = new RegistrarProcess(['--host-id', hostId, '--resync', '0', '--enable-script-checks', '--script-executor', executor]);
      await registrar.waitForLog('first pass', isFullPass);
    });
    after(async () => {
      await registrar?.stop('SIGKILL');
      await cleanup([hostId]);
    });

    it('maps exit 0 / 1 / 2 to passing / warning / critical, with the output and $SERVICE_PORT substituted', async () => {
      const name = uniqueName('script');
      const script = (code: number) => `sh -c 'echo port $SERVICE_PORT says ${code}; exit ${code}'`;
      await runContainer({
        name,
        cmd: ['sleep', '600'],
        expose: ['7000', '7001', '7002'],
        labels: {
          SERVICE_NAME: name,
          SERVICE_CHECK_INTERVAL: '1s',
          SERVICE_7000_CHECK_SCRIPT: script(0),
          SERVICE_7001_CHECK_SCRIPT: script(1),
          SERVICE_7002_CHECK_SCRIPT: script(2),
        },
      });
      const expected = { 7000: 'passing', 7001: 'warning', 7002: 'critical' } as const;
      for (const [port, status] of Object.entries(expected)) {
        const id = `${hostId}:${name}:${port}`;
        const check = await waitFor(`port ${port} ${status}`, async () => {
          const c = await statusOf(id, 'script');
          return c?.Status === status && c.Output.includes('says') && c;
        });
        expect(check.Output.trim()).to.equal(`port ${port} says ${port === '7000' ? 0 : port === '7001' ? 1 : 2}`);
      }
    });

    it('reports a hanging script critical after its timeout while other checks keep running on time', async () => {
      const name = uniqueName('hang');
      await runContainer({
        name,
        cmd: ['sleep', '600'],
        expose: ['7100', '7101'],
        labels: {
          SERVICE_NAME: name,
          SERVICE_CHECK_INTERVAL: '1s',
          SERVICE_CHECK_TIMEOUT: '1s',
          SERVICE_7100_CHECK_SCRIPT: 'sleep 30',
          SERVICE_7101_CHECK_SCRIPT: 'cat /proc/uptime',
        },
      });
      const hung = await waitFor(
        'the hanging check critical',
        async () => {
          const c = await statusOf(`${hostId}:${name}:7100`, 'script');
          return c?.Status === 'critical' && c.Output.includes('timed out') && c;
        },
        10_000,
      );
      expect(hung.Output).to.include('timed out after 1000 ms');
      // The healthy check's output is the uptime in seconds: it must keep changing about every second.
      const quick = async () => (await statusOf(`${hostId}:${name}:7101`, 'script'))?.Output.trim().split(' ')[0] ?? '';
      const first = await waitFor('the quick check passing', async () => (await quick()) || undefined);
      await new Promise((res) => setTimeout(res, 2500));
      const later = await quick();
      expect(Number(later) - Number(first), 'updated while the other check hangs').to.be.above(1.2);
    });

    it("runs a check written for a shell through the container's /bin/sh, and says plainly when the image has none", async () => {
      // As Registrator's users wrote them: Consul ran their SERVICE_CHECK_SCRIPT through a shell.
      const labels = (name: string) => ({
        SERVICE_NAME: name,
        SERVICE_CHECK_INTERVAL: '1s',
        SERVICE_CHECK_SCRIPT: 'test -n "$SERVICE_PORT" && echo port $SERVICE_PORT | grep 7400',
      });
      const [withShell, withoutShell] = [uniqueName('shell'), uniqueName('noshell')];
      await runContainer({ name: withShell, cmd: ['sleep', '600'], user: '1000:1000', expose: ['7400'], labels: labels(withShell) });
      await runContainer({
        name: withoutShell,
        image: noShellImage(),
        cmd: ['sleep', '600'],
        user: '1000:1000',
        expose: ['7400'],
        labels: labels(withoutShell),
      });
      const passing = await waitFor('the shell check passing', async () => {
        const c = await statusOf(`${hostId}:${withShell}:7400`, 'script');
        return c?.Status === 'passing' && c;
      });
      expect(passing.Output.trim()).to.equal('port 7400');
      const failing = await waitFor('the shell-less one critical, saying why', async () => {
        const c = await statusOf(`${hostId}:${withoutShell}:7400`, 'script');
        return c?.Status === 'critical' && c.Output === NO_SHELL_OUTPUT && c;
      });
      expect(failing.Output).to.equal(NO_SHELL_OUTPUT);
      const warning = await registrar.waitForLog('the warning', (l) => l.event === 'label-warning' && l.code === 'script-check-no-shell');
      expect(warning.containerId).to.equal((await docker.getContainer(withoutShell).inspect()).Id);
    });

    if (executor === 'nsenter')
      it('starts its runs from one fork server that keeps no descriptor per run, and whose runs leave none open', async () => {
        const name = uniqueName('fds');
        await runContainer({
          name,
          cmd: ['sleep', '600'],
          expose: ['7300'],
          user: 'app', // nsenter runs no root container's checks
          labels: { SERVICE_NAME: name, SERVICE_CHECK_INTERVAL: '1s', SERVICE_7300_CHECK_SCRIPT: 'true' },
        });
        const fdsOf = (pid: number) =>
          readdirSync(`/proc/${pid}/fd`).map((fd) => {
            try {
              return readlinkSync(`/proc/${pid}/fd/${fd}`);
            } catch {
              return ''; // closed meanwhile
            }
          });
        const server = () => {
          const children = readFileSync(`/proc/${registrar.pid}/task/${registrar.pid}/children`, 'utf8').split(' ').filter(Boolean);
          return children.map(Number).find((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'perl');
        };
        await waitFor('the check passing', async () => (await statusOf(`${hostId}:${name}:7300`, 'script'))?.Status === 'passing');
        const pid = server();
        expect(pid, "the registrar's fork server").to.be.a('number');
        const runs = (await registrar.metrics()).get('registrar_check_runs_total')!;
        const before = fdsOf(pid!).length;
        await waitFor('a few more runs', async () => (await registrar.metrics()).get('registrar_check_runs_total')! >= runs + 3);
        expect(server(), 'the same server').to.equal(pid);
        expect(fdsOf(pid!).length, 'no descriptor more per run').to.be.at.most(before + 1);
        for (const owner of [registrar.pid, pid!])
          expect(fdsOf(owner).filter((target) => target.includes('cgroup.procs'))).to.deep.equal([]);
      });

    it('lets TTL checks go critical on their own when the registrar is killed', async () => {
      const name = uniqueName('orphan');
      await runContainer({
        name,
        cmd: ['sleep', '600'],
        expose: ['7200'],
        labels: { SERVICE_NAME: name, SERVICE_CHECK_INTERVAL: '1s', SERVICE_CHECK_TIMEOUT: '1s', SERVICE_CHECK_SCRIPT: 'true' },
      });
      const id = `${hostId}:${name}:7200`;
      await waitFor('passing', async () => (await statusOf(id, 'script'))?.Status === 'passing');
      await registrar.stop('SIGKILL');
      // TTL = 2 × interval + timeout = 3 s.
      const check = await waitFor(
        'critical without the registrar',
        async () => {
          const c = await statusOf(id, 'script');
          return c?.Status === 'critical' && c;
        },
        6_000,
        200,
      );
      expect(check.Output).to.match(/TTL expired/i);
      registrar = new RegistrarProcess(['--host-id', hostId, '--resync', '0', '--enable-script-checks', '--script-executor', executor]);
      await waitFor('passing again after restart', async () => (await statusOf(id, 'script'))?.Status === 'passing');
    });
  });
}

describe("--ttl: every service follows the registrar's own TTL check", function () {
  this.timeout(60_000);
  const hostId = uniqueName('ttl');
  const ownId = `consul-registrar:${hostId}`;
  const args = ['--host-id', hostId, '--resync', '0', '--ttl', '2', '--ttl-refresh', '0.5'];
  let registrar: RegistrarProcess;
  after(async () => {
    await registrar?.stop('SIGKILL');
    await cleanup([hostId]);
    await deregister(ownId); // it carries no ownership Meta: not the reconciler's, nor cleanup's
  });

  it('keeps services passing while the registrar refreshes, critical once it is killed, passing after a restart', async () => {
    registrar = new RegistrarProcess(args);
    const name = uniqueName('alive');
    await runContainer({ name, cmd: ['sleep', '600'], expose: ['7300'], labels: { SERVICE_NAME: name } });
    const id = `${hostId}:${name}:7300`;
    const alias = async () => (await checksOf(id)).find((c) => c.CheckID === `service:${id}:registrar`);
    await waitFor("the registrar's TTL refreshed", async () => (await checksOf(ownId))[0]?.Output.includes('consul-registrar is running'));
    await waitFor('the service following it', async () => (await alias())?.Status === 'passing');
    await new Promise((res) => setTimeout(res, 3000)); // longer than the 2 s TTL: only refreshes keep it
    expect((await alias())?.Status).to.equal('passing');
    await registrar.stop('SIGKILL');
    let t = Date.now();
    await waitFor('critical once the registrar is gone', async () => (await alias())?.Status === 'critical', 6_000, 50);
    const toCritical = Date.now() - t;
    expect((await checksOf(ownId))[0]?.Output).to.match(/TTL expired/i);
    t = Date.now();
    registrar = new RegistrarProcess(args);
    await waitFor('passing again after restart', async () => (await alias())?.Status === 'passing', 10_000, 50);
    console.log(`      critical ${toCritical} ms after the kill (TTL 2000 ms); passing again ${Date.now() - t} ms after the restart`);
  });
});

describe('script checks disabled, and Docker HEALTHCHECK mirroring', function () {
  this.timeout(60_000);
  const hostId = uniqueName('health');
  let registrar: RegistrarProcess;

  before(async () => {
    await requireRig();
    registrar = new RegistrarProcess(['--host-id', hostId, '--resync', '0']);
    await registrar.waitForLog('first pass', isFullPass);
  });
  after(async () => {
    await registrar?.stop('SIGKILL');
    await cleanup([hostId]);
  });

  it('warns once about a script check without --enable-script-checks and registers the other checks', async () => {
    const name = uniqueName('noscript');
    await runContainer({
      name,
      cmd: ['httpd', '-f', '-p', '80', '-h', '/www'],
      expose: ['80'],
      labels: { SERVICE_NAME: name, SERVICE_CHECK_SCRIPT: 'true', SERVICE_CHECK_TCP: 'true' },
    });
    const warning = await registrar.waitForLog('the warning', (l) => l.event === 'finding' && l.container === name);
    expect(warning).to.include({ code: 'script-checks-disabled', label: 'SERVICE_CHECK_SCRIPT' });
    const checks = await waitFor('the TCP check registered', async () => {
      const c = await checksOf(`${hostId}:${name}:80`);
      return c.length > 0 && c;
    });
    expect(checks.map((c) => c.CheckID)).to.deep.equal([`service:${hostId}:${name}:80:tcp`]);
  });

  it('mirrors HEALTHCHECK turning healthy, then unhealthy, within one health interval, with the probe output', async () => {
    const name = uniqueName('hc');
    await runContainer({
      name,
      cmd: ['sleep', '600'],
      expose: ['80'],
      labels: { SERVICE_NAME: name },
      // CMD-SHELL: Podman 4.3's compat API splits a CMD form's arguments at spaces (`sh -c 'echo probe; …'` became `sh -c echo probe; …`).
      healthcheck: { Test: ['CMD-SHELL', 'echo probe; test -f /tmp/ok'], Interval: 1 * SECOND, Timeout: 1 * SECOND, Retries: 1 },
    });
    const id = `${hostId}:${name}:80`;
    const health = async () => (await checksOf(id)).find((c) => c.CheckID === `service:${id}:docker-health`);
    await waitFor('registered, critical while unhealthy', async () => (await health())?.Status === 'critical');
    await execIn(name, ['touch', '/tmp/ok']);
    // Podman without systemd never probes by itself: the registrar runs the probe once it is overdue
    // (interval + 1 s), so a change shows ~3 s later there (seen past 5 s under load), ~1 s on dockerd.
    const bound = ENGINE === 'podman' ? 10_000 : 5_000;
    let t = Date.now();
    const passing = await waitFor(
      'passing once healthy',
      async () => {
        const c = await health();
        return c?.Status === 'passing' && c;
      },
      bound,
      50,
    );
    expect(passing.Output).to.include('probe');
    const toPassing = Date.now() - t;
    await execIn(name, ['rm', '/tmp/ok']);
    t = Date.now();
    await waitFor('critical once unhealthy', async () => (await health())?.Status === 'critical', bound, 50);
    console.log(`      mirrored healthy in ${toPassing} ms, unhealthy in ${Date.now() - t} ms (health interval 1000 ms)`);
  });

  // Mirrored with no floor, an image HEALTHCHECK at 1 ms on 16 ports kept the registrar at ~50 % of a core.
  it('mirrors a 1 ms HEALTHCHECK on 16 ports at the 1 s floor: one warning, one run a second per port, little CPU', async () => {
    const name = uniqueName('hc1ms');
    const ports = Array.from({ length: 16 }, (_, i) => String(9000 + i));
    await runContainer({
      name,
      cmd: ['sleep', '600'],
      expose: ports,
      labels: { SERVICE_NAME: name },
      healthcheck: { Test: ['CMD', 'true'], Interval: 1_000_000, Timeout: 1 * SECOND, Retries: 1 },
    });
    const id = `${hostId}:${name}:9015`;
    await waitFor(
      'the mirror passing',
      async () => (await checksOf(id)).find((c) => c.CheckID.endsWith(':docker-health'))?.Status === 'passing',
    );
    const runs = async () => (await registrar.metrics()).get('registrar_check_runs_total') ?? 0;
    const [runs0, cpu0, t0] = [await runs(), cpuSeconds(registrar.pid), Date.now()];
    await new Promise((r) => setTimeout(r, 5_000));
    const seconds = (Date.now() - t0) / 1000;
    const perSecond = ((await runs()) - runs0) / seconds;
    const cpu = (cpuSeconds(registrar.pid) - cpu0) / seconds;
    console.log(`      ${perSecond.toFixed(1)} mirror runs/s for 16 ports, registrar at ${(cpu * 100).toFixed(1)} % of a core`);
    // On Podman the registrar runs the HEALTHCHECK itself once a second (Podman without systemd never
    // does), and each result is a health event that re-reads the mirrors at once: two a second at most.
    const bound = ENGINE === 'podman' ? 2 : 1;
    expect(perSecond, `${bound} run(s) a second per port at most`).to.be.at.most(16 * bound * 1.2);
    expect(cpu).to.be.below(0.1);
    const warnings = registrar.logs.filter(
      (l) => l.event === 'finding' && l.container === name && l.code === 'healthcheck-interval-clamped',
    );
    expect(warnings, 'said once for the container').to.have.length(1);
  });
});

// Places held for as long as a check ran let two containers' long checks hold them
// all, and a third container's check waited until one ended, past its TTL.
describe('script check places shared by the time held', function () {
  this.timeout(90_000);
  const hostId = uniqueName('slots');
  let registrar: RegistrarProcess;

  before(async () => {
    await requireRig();
    registrar = new RegistrarProcess([
      '--host-id',
      hostId,
      '--resync',
      '0',
      '--enable-script-checks',
      '--script-executor',
      'docker',
      '--script-concurrency',
      '4',
    ]);
    await registrar.waitForLog('first pass', isFullPass);
  });
  after(async () => {
    await registrar?.stop('SIGKILL');
    await cleanup([hostId]);
  });

  it("keeps two containers' long checks, holding every place, from letting a third container's 1 s check go critical", async () => {
    // Two containers, four 20 s checks each, every run as long as it may be: each holds half the 4 places
    // (its cap) and has more waiting, so a place freed by one of its runs is taken again at once.
    for (const owner of ['a', 'b']) {
      const name = uniqueName(`long-${owner}`);
      await runContainer({
        name,
        cmd: ['sleep', '600'],
        expose: ['81', '82', '83', '84'],
        labels: { SERVICE_NAME: name, SERVICE_CHECK_SCRIPT: 'sleep 3600', SERVICE_CHECK_INTERVAL: '20s', SERVICE_CHECK_TIMEOUT: '20s' },
      });
    }
    const name = uniqueName('short');
    await runContainer({
      name,
      cmd: ['sleep', '600'],
      expose: ['80'],
      labels: { SERVICE_NAME: name, SERVICE_CHECK_SCRIPT: 'true', SERVICE_CHECK_INTERVAL: '1s' },
    });
    const id = `${hostId}:${name}:80`;
    const status = async () => (await checksOf(id)).find((c) => c.CheckID === `service:${id}:script`)?.Status;
    await waitFor('the short check passing', async () => (await status()) === 'passing', 10_000);
    // Every long check's first run starts within its 20 s interval; from then on they hold every place they can.
    await new Promise((r) => setTimeout(r, 21_000));
    const seen: string[] = [];
    for (const end = Date.now() + 15_000; Date.now() < end;) {
      seen.push((await status()) ?? 'gone');
      await new Promise((r) => setTimeout(r, 250));
    }
    const late = (await registrar.metrics()).get('registrar_check_late_total') ?? 0;
    console.log(`      short check seen ${seen.length} times, critical ${seen.filter((s) => s !== 'passing').length}; late runs ${late}`);
    expect(
      seen.every((s) => s === 'passing'),
      'its TTL (3 s) never ran out',
    ).to.equal(true);
  });
});
