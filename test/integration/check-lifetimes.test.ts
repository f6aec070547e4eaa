// How long a script check's processes live: never two of one check at once, none after its run
// ends (a background child holding the output included), none after the registrar stops. Counted
// from the host's /proc in the container's PID namespace, so what the registrar says is not trusted.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { expect } from 'chai';
import { isFullPass, RegistrarProcess } from '../support/registrar-process.js';
import { checksOf, cleanup, docker, requireRig, runContainer, uniqueName, waitFor } from '../support/rig.js';

/** Live processes whose command line is exactly `argv`, inside the PID namespace of container `name`. */
async function processesIn(name: string, argv: string[]): Promise<number> {
  const { State } = await docker.getContainer(name).inspect();
  const namespace = readlinkSync(`/proc/${State.Pid}/ns/pid`);
  const wanted = `${argv.join('\0')}\0`;
  let count = 0;
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8') === wanted && readlinkSync(`/proc/${pid}/ns/pid`) === namespace) count++;
    } catch {
      // gone meanwhile
    }
  }
  return count;
}

/** Samples `count` every 200 ms for `ms`: the most seen at once. */
async function mostAtOnce(count: () => Promise<number>, ms: number): Promise<number> {
  let most = 0;
  for (const end = Date.now() + ms; Date.now() < end;) {
    most = Math.max(most, await count());
    await new Promise((r) => setTimeout(r, 200));
  }
  return most;
}

describe('script check lifetimes', function () {
  this.timeout(90_000);
  const hostIds: string[] = [];
  const running: RegistrarProcess[] = [];
  const start = (executor: 'docker' | 'nsenter', wrapper: string[] = []) => {
    const hostId = uniqueName(`life-${executor}`);
    hostIds.push(hostId);
    const registrar = new RegistrarProcess(
      ['--host-id', hostId, '--resync', '0', '--enable-script-checks', '--script-executor', executor],
      {},
      wrapper,
    );
    running.push(registrar);
    return { hostId, registrar };
  };
  const scriptCheck = async (hostId: string, name: string) =>
    (await checksOf(`${hostId}:${name}:80`)).find((c) => c.CheckID.endsWith(':script'));

  before(requireRig);
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.stop('SIGKILL')));
    await cleanup(hostIds.splice(0));
  });

  it('nsenter: a check whose background child holds its output is finished at its timeout, its child killed, never two at once', async () => {
    const { hostId, registrar } = start('nsenter');
    await registrar.waitForLog('first pass', isFullPass);
    const name = uniqueName('bg');
    await runContainer({
      name,
      cmd: ['sleep', '600'],
      user: 'app',
      expose: ['80'],
      labels: {
        SERVICE_NAME: name,
        SERVICE_CHECK_INTERVAL: '2s',
        SERVICE_CHECK_TIMEOUT: '1s',
        SERVICE_CHECK_SCRIPT: "sh -c 'sleep 311 & echo started'",
      },
    });
    await waitFor('the first run to time out', async () => (await scriptCheck(hostId, name))?.Output.includes('timed out'), 10_000);
    const most = await mostAtOnce(() => processesIn(name, ['sleep', '311']), 8_000);
    const runs = (await registrar.metrics()).get('registrar_check_runs_total') ?? 0;
    expect(most, 'background children alive at once').to.be.at.most(1);
    expect(runs, 'runs go on every interval').to.be.at.least(5);
    expect((await scriptCheck(hostId, name))?.Status).to.equal('critical');
  });

  it('Docker exec whose process the registrar cannot see (own PID namespace): never more than one exec alive', async () => {
    // The registrar in a PID namespace of its own cannot kill the exec's process; Docker's API cannot stop it.
    const { hostId, registrar } = start('docker', ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child', '--']);
    await registrar.waitForLog('first pass', isFullPass);
    const name = uniqueName('unkillable');
    await runContainer({
      name,
      cmd: ['sleep', '600'],
      expose: ['80'],
      labels: { SERVICE_NAME: name, SERVICE_CHECK_INTERVAL: '1s', SERVICE_CHECK_TIMEOUT: '1s', SERVICE_CHECK_SCRIPT: 'sleep 312' },
    });
    const check = await waitFor('the first run to time out', async () => {
      const c = await scriptCheck(hostId, name);
      return c?.Output.includes('timed out') && c;
    });
    expect(check.Output).to.include('left running');
    const most = await mostAtOnce(() => processesIn(name, ['sleep', '312']), 6_000);
    expect(most, 'execs of the check alive at once').to.equal(1);
  });

  for (const executor of ['docker', 'nsenter'] as const) {
    it(`${executor}: SIGTERM kills the check processes still running`, async () => {
      const { registrar } = start(executor);
      await registrar.waitForLog('first pass', isFullPass);
      const name = uniqueName('term');
      await runContainer({
        name,
        cmd: ['sleep', '600'],
        user: 'app',
        expose: ['80'],
        labels: { SERVICE_NAME: name, SERVICE_CHECK_INTERVAL: '10s', SERVICE_CHECK_TIMEOUT: '10s', SERVICE_CHECK_SCRIPT: 'sleep 313' },
      });
      await waitFor('the check to run', async () => (await processesIn(name, ['sleep', '313'])) === 1, 15_000, 200);
      await registrar.stop('SIGTERM');
      expect(await processesIn(name, ['sleep', '313']), 'check processes left after the registrar exited').to.equal(0);
    });
  }
});
