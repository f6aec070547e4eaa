import { expect } from 'chai';
import { identityFromStatus, processIdentity } from '../../../src/checks/identity.js';

/** The lines of /proc/PID/status that matter, as the kernel writes them. */
const status = (uid: string, gid: string, groups: string) =>
  ['Name:\tsh', 'State:\tS (sleeping)', `Uid:\t${uid}`, `Gid:\t${gid}`, 'FDSize:\t64', `Groups:\t${groups}`, 'NStgid:\t1', ''].join('\n');

describe('checks/identity: the credentials the kernel holds', () => {
  it('takes uid and gid from the status lines', () => {
    expect(identityFromStatus(status('1000\t1000\t1000\t1000', '1000\t1000\t1000\t1000', '10 1000 '))).to.deep.equal({
      uid: 1000,
      gid: 1000,
    });
    expect(identityFromStatus(status('1000\t1000\t1000\t1000', '0\t0\t0\t0', ''))).to.deep.equal({ uid: 1000, gid: 0 });
    expect(identityFromStatus(status('0\t0\t0\t0', '0\t0\t0\t0', '0 '))).to.deep.equal({ uid: 0, gid: 0 });
  });

  // A set-user-ID program as PID 1 has real 1000 and effective 0: either could give more than it acts as.
  it('refuses ids whose real, effective, saved and fs columns differ', () => {
    expect(identityFromStatus(status('1000\t0\t0\t0', '1000\t1000\t1000\t1000', ''))).to.have.property('problem');
    expect(identityFromStatus(status('1000\t1000\t1000\t1000', '1000\t1000\t0\t1000', ''))).to.have.property('problem');
  });

  it('refuses what it cannot read as ids within runc range', () => {
    expect(identityFromStatus('Name:\tsh\n')).to.have.property('problem');
    expect(identityFromStatus(status('1000\t1000\t1000', '1000\t1000\t1000\t1000', ''))).to.have.property('problem');
    expect(identityFromStatus(status('4294967296\t4294967296\t4294967296\t4294967296', '1\t1\t1\t1', ''))).to.have.property('problem');
    expect(identityFromStatus(status('1\t1\t1\t1', `${2 ** 31}\t${2 ** 31}\t${2 ** 31}\t${2 ** 31}`, ''))).to.have.property('problem');
  });

  it("reads this process's own credentials from /proc", () => {
    const uid = process.getuid!();
    const gid = process.getgid!();
    expect(processIdentity(process.pid)).to.deep.equal({ uid, gid });
  });

  it('says a gone process cannot be read', () => {
    expect(processIdentity(2 ** 22 + 7)).to.have.property('problem');
  });
});
