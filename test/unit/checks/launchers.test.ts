import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { CgroupFiles } from '../../../src/checks/cgroup-files.js';
import { ForkServer } from '../../../src/checks/fork-server.js';
import { GateLauncher } from '../../../src/checks/gate-launcher.js';
import type { Launched, Launcher } from '../../../src/checks/launch.js';
import { MAX_OUTPUT } from '../../../src/checks/outcome.js';
import { killGroup } from '../../../src/checks/process-group.js';

// The launchers' contract, on real processes: regular files stand in for cgroup.procs (either
// launcher's write lands there), so these run anywhere; the cgroups themselves are the rig's to test.
const ENV = { PATH: '/usr/bin:/bin' };

function targets(...names: string[]): { dir: string; cgroups: CgroupFiles } {
  const dir = mkdtempSync(join(tmpdir(), 'launch-'));
  const files = names.map((name) => {
    const file = join(dir, name);
    mkdirSync(join(file, '..'), { recursive: true });
    if (!name.startsWith('missing')) writeFileSync(file, '');
    return file;
  });
  return { dir, cgroups: new CgroupFiles({ files, required: files[0] }) };
}

async function collect(run: Launched): Promise<{ code: number | null; output: string }> {
  const chunks: Buffer[] = [];
  run.onOutput((chunk) => chunks.push(chunk));
  const code = await run.closed;
  return { code, output: Buffer.concat(chunks).toString() };
}

/** Field `index` of /proc/PID/stat after the command name (0: state, 1: ppid, 2: pgrp). */
const statField = (pid: number, index: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[index]);

/** A run of `sleep 30` from a fresh server, once it is under way, with the server's PID (its parent). */
async function sleeping(): Promise<{ server: ForkServer; run: Launched; serverPid: number }> {
  const server = new ForkServer('/usr/bin/perl');
  const run = server.launch({ argv: ['/bin/sleep', '30'], env: ENV, cgroups: targets('devices/cgroup.procs').cgroups });
  await new Promise((resolve) => setTimeout(resolve, 200));
  return { server, run, serverPid: statField(run.group()!, 1) };
}

const launchers: [string, () => Launcher][] = [
  ['fork server', () => new ForkServer('/usr/bin/perl')],
  ['sh gate', () => new GateLauncher('/bin/sh')],
];

for (const [name, make] of launchers) {
  describe(`checks/launchers: ${name}`, () => {
    let launcher: Launcher;
    beforeEach(() => (launcher = make()));
    afterEach(() => launcher.killAll());

    it('runs the command with only the environment given, its stderr and stdout as one output, and says its exit code', async () => {
      const { cgroups } = targets('devices/cgroup.procs');
      const run = launcher.launch({ argv: ['/bin/sh', '-c', 'echo "out $PATH $HOME"; echo err >&2; exit 3'], env: ENV, cgroups });
      const { code, output } = await collect(run);
      expect(code).to.equal(3);
      expect(output).to.equal('out /usr/bin:/bin \nerr\n');
      expect(run.join()).to.deep.equal({ joined: true, allWritten: true });
      await run.exited;
    });

    it('starts each run with no_new_privs when it says it does', async () => {
      const { cgroups } = targets('devices/cgroup.procs');
      const { output } = await collect(launcher.launch({ argv: ['/bin/grep', '^NoNewPrivs', '/proc/self/status'], env: ENV, cgroups }));
      if (launcher.setsNoNewPrivs) expect(output).to.match(/^NoNewPrivs:\s*1$/m);
      else expect(launcher.name).to.equal('sh gate'); // the registrar's, or setpriv's in front of nsenter
    });

    it('makes each run a process group of its own, which its children join', async () => {
      const { cgroups } = targets('devices/cgroup.procs');
      const run = launcher.launch({ argv: ['/bin/sh', '-c', 'cut -d" " -f5 /proc/self/stat'], env: ENV, cgroups });
      const { output } = await collect(run);
      expect(Number(output.trim())).to.equal(run.group());
    });

    it('runs nothing when the required cgroup cannot be joined, and says which were written', async () => {
      const blocked = targets('missing/cgroup.procs', 'memory/cgroup.procs');
      const marker = join(blocked.dir, 'ran');
      const run = launcher.launch({ argv: ['/bin/sh', '-c', `touch ${marker}`], env: ENV, cgroups: blocked.cgroups });
      await collect(run);
      expect(run.join()?.joined).to.equal(false);
      expect(existsSync(marker)).to.equal(false);
      const partial = targets('devices/cgroup.procs', 'missing/cgroup.procs');
      const ran = launcher.launch({ argv: ['/bin/true'], env: ENV, cgroups: partial.cgroups });
      expect((await collect(ran)).code).to.equal(0);
      expect(ran.join()).to.deep.equal({ joined: true, allWritten: false });
    });

    it('writes into the cgroup files before the command runs', async () => {
      const { cgroups } = targets('devices/cgroup.procs');
      const file = cgroups.targets.files[0]!;
      const run = launcher.launch({ argv: ['/bin/cat', file], env: ENV, cgroups });
      const { output } = await collect(run);
      // The gate writes the run's PID, the fork server 0 (the writer itself): either moves the run.
      expect(output).to.match(/^\d+$/);
      expect(readFileSync(file, 'utf8')).to.equal(output);
    });

    it('waits for a background child that holds the output, until the group is killed', async () => {
      const { cgroups } = targets('devices/cgroup.procs');
      const run = launcher.launch({ argv: ['/bin/sh', '-c', 'sleep 30 & echo started'], env: ENV, cgroups });
      const result = collect(run);
      await run.exited;
      const early = await Promise.race([run.closed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('open'), 300))]);
      expect(early).to.equal('open');
      killGroup(run.group()!);
      expect((await result).output).to.equal('started\n');
    });

    it('says when the command cannot be run', async () => {
      const { cgroups } = targets('devices/cgroup.procs');
      const { code } = await collect(launcher.launch({ argv: ['/nonexistent/check'], env: ENV, cgroups }));
      expect(code).to.equal(127);
    });

    it('kills every run still alive at killAll', async () => {
      const { cgroups } = targets('devices/cgroup.procs');
      const run = launcher.launch({ argv: ['/bin/sleep', '30'], env: ENV, cgroups });
      await new Promise((resolve) => setTimeout(resolve, 200));
      launcher.killAll();
      await run.exited;
    });
  });
}

describe('checks/launchers: fork server', () => {
  it('sets no_new_privs itself on this machine', () => expect(new ForkServer('/usr/bin/perl').setsNoNewPrivs).to.equal(true));

  it('passes on a bounded part of a long output and reads the rest away', async () => {
    const server = new ForkServer('/usr/bin/perl');
    const { cgroups } = targets('devices/cgroup.procs');
    const { code, output } = await collect(server.launch({ argv: ['/usr/bin/head', '-c', '1000000', '/dev/zero'], env: ENV, cgroups }));
    expect(code).to.equal(0);
    expect(output.length).to.equal(MAX_OUTPUT * 2);
    server.killAll();
  });

  it('fails the runs it had when the server dies, and starts a new one for the next run', async () => {
    const { server, run, serverPid } = await sleeping();
    process.kill(serverPid, 'SIGKILL'); // the server alone, not its run
    expect(await run.closed).to.equal(null);
    killGroup(run.group()!);
    const { cgroups } = targets('devices/cgroup.procs');
    const next = await collect(server.launch({ argv: ['/bin/echo', 'again'], env: ENV, cgroups }));
    expect(next).to.deep.equal({ code: 0, output: 'again\n' });
    server.killAll();
  });

  it("sits outside the registrar's process group, so that a signal to that group leaves it to the orderly stop", async () => {
    const { server, run, serverPid } = await sleeping();
    expect(statField(serverPid, 2)).to.equal(serverPid);
    server.killAll();
    await run.exited;
  });

  it('starts runs at once, many side by side', async () => {
    const server = new ForkServer('/usr/bin/perl');
    const { cgroups } = targets('devices/cgroup.procs');
    const runs = Array.from({ length: 40 }, (_, i) => collect(server.launch({ argv: ['/bin/echo', String(i)], env: ENV, cgroups })));
    const results = await Promise.all(runs);
    expect(results.map((r) => r.output)).to.deep.equal(Array.from({ length: 40 }, (_, i) => `${i}\n`));
    server.killAll();
  });
});
