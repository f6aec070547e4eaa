// Process groups on this machine's kernel: a group of zombies only (a container whose init does not
// reap) counts as gone, a live member does not, and untilGroupGone kills what is left.
import { spawn } from 'node:child_process';
import { expect } from 'chai';
import { groupHasLiveMember, untilGroupGone } from '../../../src/checks/process-group.js';

describe('checks/process-group', () => {
  it('counts a live member, and untilGroupGone kills the group and resolves', async () => {
    const child = spawn('sh', ['-c', 'sleep 30 & sleep 30'], { detached: true, stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 100));
    expect(groupHasLiveMember(child.pid!)).to.equal(true);
    const started = Date.now();
    await untilGroupGone(child.pid!, 1000);
    expect(Date.now() - started).to.be.below(500);
    expect(groupHasLiveMember(child.pid!)).to.equal(false);
  });

  it('does not count a zombie whose parent, in another group, never reaps it', async () => {
    // perl (Debian's perl-base is Essential): the child makes a group of its own and exits unreaped.
    const parent = spawn('perl', ['-e', 'my $c = fork; if ($c == 0) { setpgrp(0, 0); exit 0 } $| = 1; print "$c\\n"; sleep 30'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const pid = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(d.toString()))));
      await new Promise((r) => setTimeout(r, 100));
      expect(() => process.kill(-pid, 0), 'kill(2) still sees the zombie').not.to.throw();
      expect(groupHasLiveMember(pid)).to.equal(false);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('an empty group is gone', () => {
    expect(groupHasLiveMember(2 ** 22 - 3)).to.equal(false);
  });
});
