import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { cannotJoin, cgroupTargets, usableTargets } from '../../../src/checks/cgroup-join.js';

// /proc/PID/cgroup of a container on a cgroup v1 host with the hybrid tree, and on a v2 host.
const V1 = [
  '12:name=systemd:/docker/abc',
  '11:freezer:/docker/abc',
  '10:devices:/docker/abc',
  '9:memory:/docker/abc',
  '8:pids:/docker/abc',
  '7:cpu,cpuacct:/docker/abc',
  '0::/',
];
const V2 = ['0::/system.slice/docker-abc.scope'];

describe('checks/cgroup-join', () => {
  it('joins the hierarchies that bound something, and needs the devices one on cgroup v1', () => {
    const t = cgroupTargets(V1, '/cg');
    expect(t.files).to.deep.equal([
      '/cg/devices/docker/abc/cgroup.procs',
      '/cg/memory/docker/abc/cgroup.procs',
      '/cg/pids/docker/abc/cgroup.procs',
      '/cg/cpu,cpuacct/docker/abc/cgroup.procs',
      '/cg/cgroup.procs',
    ]);
    expect(t.required).to.equal('/cg/devices/docker/abc/cgroup.procs');
  });

  it('needs the unified tree on cgroup v2, where the device filter is attached', () => {
    expect(cgroupTargets(V2, '/cg')).to.deep.equal({
      files: ['/cg/system.slice/docker-abc.scope/cgroup.procs'],
      required: '/cg/system.slice/docker-abc.scope/cgroup.procs',
    });
  });

  it('refuses when the required cgroup is missing or not writable here (a private cgroup namespace, a read-only mount)', () => {
    const root = mkdtempSync(join(tmpdir(), 'cg-'));
    expect(cannotJoin(cgroupTargets(V2, root))).to.be.a('string');
    expect(cannotJoin({ files: [], required: undefined })).to.be.a('string');
    mkdirSync(join(root, 'system.slice/docker-abc.scope'), { recursive: true });
    writeFileSync(join(root, 'system.slice/docker-abc.scope/cgroup.procs'), '');
    expect(cannotJoin(cgroupTargets(V2, root))).to.equal(undefined);
  });

  it('keeps only the targets mounted here, and refuses when the required one is not there', () => {
    const root = mkdtempSync(join(tmpdir(), 'cg-'));
    for (const dir of ['devices/docker/abc', 'memory/docker/abc']) {
      mkdirSync(join(root, dir), { recursive: true });
      writeFileSync(join(root, dir, 'cgroup.procs'), '');
    }
    expect(usableTargets(cgroupTargets(V2, root)))
      .to.have.property('problem')
      .that.is.a('string');
    const usable = usableTargets(cgroupTargets(V1, root));
    expect(usable).to.deep.equal({
      files: [join(root, 'devices/docker/abc/cgroup.procs'), join(root, 'memory/docker/abc/cgroup.procs')],
      required: join(root, 'devices/docker/abc/cgroup.procs'),
    });
  });
});
