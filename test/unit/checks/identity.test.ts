import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveIdentity } from '../../../src/checks/identity.js';

const PASSWD = ['root:x:0:0:root:/root:/bin/sh', 'app:x:1000:1001::/home/app:/bin/sh', 'svc:x:2000:2000::/:/bin/false', ''].join('\n');
const GROUP = ['root:x:0:', 'staff:x:50:app', 'app:x:1001:', ''].join('\n');

describe('checks/identity: resolveIdentity', () => {
  let scratch: string;
  /** A container root with etc/passwd and etc/group. */
  let root: string;

  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'identity-test-'));
    root = join(scratch, 'root');
    mkdirSync(join(root, 'etc'), { recursive: true });
    writeFileSync(join(root, 'etc', 'passwd'), PASSWD);
    writeFileSync(join(root, 'etc', 'group'), GROUP);
  });

  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('runs an empty user as root, 0:0', () => {
    expect(resolveIdentity('', root)).to.deep.equal({ uid: 0, gid: 0 });
  });

  it("gives a numeric uid with a passwd entry that entry's gid", () => {
    expect(resolveIdentity('1000', root)).to.deep.equal({ uid: 1000, gid: 1001 });
  });

  it('gives a numeric uid without a passwd entry gid 0, as Docker does', () => {
    expect(resolveIdentity('4242', root)).to.deep.equal({ uid: 4242, gid: 0 });
  });

  it('takes uid:gid as given', () => {
    expect(resolveIdentity('1000:50', root)).to.deep.equal({ uid: 1000, gid: 50 });
    expect(resolveIdentity('4242:4343', root)).to.deep.equal({ uid: 4242, gid: 4343 });
  });

  it("reads a user name from the container's passwd", () => {
    expect(resolveIdentity('app', root)).to.deep.equal({ uid: 1000, gid: 1001 });
    expect(resolveIdentity('svc', root)).to.deep.equal({ uid: 2000, gid: 2000 });
  });

  it("reads a group name from the container's group, and takes a numeric group after a name", () => {
    expect(resolveIdentity('app:staff', root)).to.deep.equal({ uid: 1000, gid: 50 });
    expect(resolveIdentity('1000:staff', root)).to.deep.equal({ uid: 1000, gid: 50 });
    expect(resolveIdentity('app:77', root)).to.deep.equal({ uid: 1000, gid: 77 });
  });

  it('gives a problem naming a user that is not in passwd', () => {
    const answer = resolveIdentity('nobody', root);
    expect(answer).to.have.property('problem').that.includes('"nobody"').and.includes('/etc/passwd');
  });

  it('gives a problem naming a group that is not in group', () => {
    const answer = resolveIdentity('app:wheel', root);
    expect(answer).to.have.property('problem').that.includes('"wheel"').and.includes('/etc/group');
  });

  it('gives a problem, not NaN, for a passwd entry whose uid is not a number', () => {
    const odd = join(scratch, 'odd');
    mkdirSync(join(odd, 'etc'), { recursive: true });
    writeFileSync(join(odd, 'etc', 'passwd'), 'weird:x:abc:1::/:/bin/sh\nshort\n');
    expect(resolveIdentity('weird', odd)).to.have.property('problem');
    expect(resolveIdentity('short', odd)).to.have.property('problem');
  });

  it('treats a container without etc/passwd as having no entries', () => {
    const bare = join(scratch, 'bare');
    mkdirSync(bare);
    expect(resolveIdentity('1000', bare)).to.deep.equal({ uid: 1000, gid: 0 });
    expect(resolveIdentity('app', bare)).to.have.property('problem');
  });

  describe("links in the container's files are not followed (they would resolve from the registrar's root)", () => {
    it('ignores an etc/passwd that is a symbolic link to another file', () => {
      const linked = join(scratch, 'linked-passwd');
      mkdirSync(join(linked, 'etc'), { recursive: true });
      // The target holds a perfectly good entry: it must still not be read.
      const target = join(scratch, 'elsewhere-passwd');
      writeFileSync(target, PASSWD);
      symlinkSync(target, join(linked, 'etc', 'passwd'));
      writeFileSync(join(linked, 'etc', 'group'), GROUP);
      expect(resolveIdentity('app', linked)).to.have.property('problem').that.includes('"app"');
      expect(resolveIdentity('1000', linked), 'no entry: gid 0').to.deep.equal({ uid: 1000, gid: 0 });
    });

    it('ignores an etc/group that is a symbolic link', () => {
      const linked = join(scratch, 'linked-group');
      mkdirSync(join(linked, 'etc'), { recursive: true });
      writeFileSync(join(linked, 'etc', 'passwd'), PASSWD);
      symlinkSync(join(root, 'etc', 'group'), join(linked, 'etc', 'group'));
      expect(resolveIdentity('app', linked)).to.deep.equal({ uid: 1000, gid: 1001 });
      expect(resolveIdentity('app:staff', linked)).to.have.property('problem').that.includes('"staff"');
    });

    it('ignores the files when etc itself is a symbolic link', () => {
      const linked = join(scratch, 'linked-etc');
      mkdirSync(linked);
      symlinkSync(join(root, 'etc'), join(linked, 'etc'));
      expect(resolveIdentity('app', linked)).to.have.property('problem').that.includes('"app"');
      expect(resolveIdentity('1000:staff', linked)).to.have.property('problem').that.includes('"staff"');
      expect(resolveIdentity('1000', linked)).to.deep.equal({ uid: 1000, gid: 0 });
    });

    it('does not block on a FIFO at etc/passwd, and reads no entries from it', () => {
      const fifo = join(scratch, 'fifo');
      mkdirSync(join(fifo, 'etc'), { recursive: true });
      execFileSync('mkfifo', [join(fifo, 'etc', 'passwd')]);
      expect(resolveIdentity('app', fifo)).to.have.property('problem');
    });

    it('ignores an etc/passwd that is a folder', () => {
      const dir = join(scratch, 'dir-passwd');
      mkdirSync(join(dir, 'etc', 'passwd'), { recursive: true });
      expect(resolveIdentity('app', dir)).to.have.property('problem');
    });
  });
});

describe('checks/identity: ids nsenter would cut to 32 bits', () => {
  let scratch: string;

  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'identity-wrap-'));
    mkdirSync(join(scratch, 'etc'));
    writeFileSync(
      join(scratch, 'etc', 'passwd'),
      [
        'big:x:4294967296:4294967296::/:/bin/sh',
        'neg:x:-4294967296:1::/:/bin/sh',
        'hex:x:0x100000000:1::/:/bin/sh',
        'zero:x:01000:7::/:/bin/sh',
        '',
      ].join('\n'),
    );
    writeFileSync(join(scratch, 'etc', 'group'), 'wide:x:4294967296:\n');
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  // 2^32 wraps to 0 inside nsenter: root with the registrar's capabilities (seen with util-linux 2.38.1).
  for (const user of ['big', 'neg', 'hex', '4294967296', '1000:4294967296', '1000:wide', '2147483648']) {
    it(`refuses the user "${user}" instead of handing nsenter a number outside 0..2^31-1`, () => {
      expect(resolveIdentity(user, scratch)).to.have.property('problem');
    });
  }

  it('matches a passwd uid as a number, as Docker does (01000 is 1000)', () => {
    expect(resolveIdentity('1000', scratch)).to.deep.equal({ uid: 1000, gid: 7 });
  });
});
