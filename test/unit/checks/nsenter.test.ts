import { expect } from 'chai';
import { NsenterExecutor } from '../../../src/checks/nsenter.js';

describe('checks/nsenter: canEnter', () => {
  it('refuses a visible process whose cgroup does not name the container (a reused or foreign PID)', () => {
    expect(NsenterExecutor.canEnter(process.pid, 'f'.repeat(64))).to.equal(false);
  });

  it('refuses an unknown or absent PID', () => {
    expect(NsenterExecutor.canEnter(undefined, 'abc')).to.equal(false);
    expect(NsenterExecutor.canEnter(0, 'abc')).to.equal(false);
    expect(NsenterExecutor.canEnter(2 ** 30, 'abc')).to.equal(false);
  });
});
