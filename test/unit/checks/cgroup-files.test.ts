import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { CgroupFiles } from '../../../src/checks/cgroup-files.js';

/** A fake cgroup tree with a cgroup.procs file in each of `dirs`, and the paths of those files. */
function tree(...dirs: string[]): { root: string; files: string[] } {
  const root = mkdtempSync(join(tmpdir(), 'cg-'));
  const files = dirs.map((dir) => {
    mkdirSync(join(root, dir), { recursive: true });
    writeFileSync(join(root, dir, 'cgroup.procs'), '');
    return join(root, dir, 'cgroup.procs');
  });
  return { root, files };
}

const openFds = () => readdirSync('/proc/self/fd').length;

describe('checks/cgroup-files', () => {
  it('writes the pid into every target, keeping one descriptor per file open from run to run until closed', () => {
    const { files } = tree('devices/docker/abc', 'memory/docker/abc');
    const cgroups = new CgroupFiles({ files, required: files[0] });
    const before = openFds();
    expect(cgroups.join(4242)).to.deep.equal({ joined: true, allWritten: true });
    expect(openFds()).to.equal(before + 2);
    expect(cgroups.join(77)).to.deep.equal({ joined: true, allWritten: true });
    expect(openFds()).to.equal(before + 2);
    for (const file of files) expect(readFileSync(file, 'utf8')).to.match(/^77/);
    cgroups.close();
    expect(openFds()).to.equal(before);
  });

  it('says when the required target failed (the run must not go on) and when any other did', () => {
    const { root, files } = tree('memory/docker/abc');
    // A required file that cannot be written (a directory here: root ignores file modes).
    const blocked = new CgroupFiles({ files: [join(root, 'memory'), ...files], required: join(root, 'memory') });
    expect(blocked.join(4242)).to.deep.equal({ joined: false, allWritten: false });
    const gone = join(root, 'pids/docker/abc/cgroup.procs');
    const partial = new CgroupFiles({ files: [files[0]!, gone], required: files[0] });
    expect(partial.join(4242)).to.deep.equal({ joined: true, allWritten: false });
    blocked.close();
    partial.close();
  });
});
