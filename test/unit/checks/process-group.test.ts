// Process groups on this machine's kernel: a group of zombies only (a container whose init does not
// reap) counts as gone, a live tracked member does not, and untilGroupGone kills what is left.
import { spawn } from 'node:child_process';
import { expect } from 'chai';
import { descendants, groupHasLiveMember, untilGroupGone } from '../../../src/checks/process-group.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('checks/process-group', () => {
  it('finds a run and its descendants, and untilGroupGone kills the group and resolves', async () => {
    const child = spawn('sh', ['-c', 'sleep 30 & sleep 30'], { detached: true, stdio: 'ignore' });
    await sleep(100);
    const tracked = descendants(child.pid!);
    expect(tracked, 'the shell and its two sleeps').to.have.length(3);
    expect(tracked[0]).to.equal(child.pid);
    expect(groupHasLiveMember(child.pid!, tracked)).to.equal(true);
    const started = Date.now();
    await untilGroupGone(child.pid!, tracked, 1000);
    expect(Date.now() - started).to.be.below(500);
    expect(groupHasLiveMember(child.pid!, tracked)).to.equal(false);
  });

  it('does not count a zombie whose parent, in another group, never reaps it', async () => {
    // perl (Debian's perl-base is Essential): the child makes a group of its own and exits unreaped.
    const parent = spawn('perl', ['-e', 'my $c = fork; if ($c == 0) { setpgrp(0, 0); exit 0 } $| = 1; print "$c\\n"; sleep 30'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const pid = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(d.toString()))));
      await sleep(100);
      expect(() => process.kill(-pid, 0), 'kill(2) still sees the zombie').not.to.throw();
      expect(groupHasLiveMember(pid, [pid])).to.equal(false);
      const started = Date.now();
      await untilGroupGone(pid, [pid], 1000);
      expect(Date.now() - started, 'a group of zombies is gone at once').to.be.below(100);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  // An orphan re-parented elsewhere is not a descendant any more: the group kill still reaches it.
  it('kills a member it does not track, and waits only for those it does', async () => {
    const child = spawn('sh', ['-c', 'sleep 30 >/dev/null & echo $!; exit 0'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    const orphan = Number(await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString()))));
    // Under load the shell may have exited already, and its exit event with it.
    if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
    expect(groupHasLiveMember(child.pid!, [orphan]), 'the orphaned sleep is alive in the group').to.equal(true);
    await untilGroupGone(child.pid!, descendants(child.pid!), 1000);
    await sleep(50);
    expect(groupHasLiveMember(child.pid!, [orphan]), 'and was killed with it').to.equal(false);
  });

  // Zombies a check leaves (`true & exit 0`) used to make every run read the stat of every host process.
  it('reads only the processes it tracks, never the rest of /proc', async () => {
    const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    try {
      await sleep(50);
      expect(groupHasLiveMember(child.pid!, [child.pid!])).to.equal(true);
      expect(groupHasLiveMember(child.pid!, []), 'a live member it does not track is not looked for').to.equal(false);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a PID that is not in the group, or an empty group, is not a live member', () => {
    expect(groupHasLiveMember(2 ** 22 - 3, [2 ** 22 - 3])).to.equal(false);
    expect(groupHasLiveMember(process.pid, [process.pid]), 'the test runner leads no group of its own').to.equal(false);
  });
});
