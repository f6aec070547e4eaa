import { expect } from 'chai';
import { keepsServicesWhileStopped } from '../../../src/reconcile/on-success.js';
import { facts } from '../support/fixtures.js';

describe('reconcile/on-success: keepsServicesWhileStopped', () => {
  const exited = (exitCode: number) => ({ ...facts('user-network'), running: false, exitCode });

  it('keeps the services of a container that exited non-zero, by its facts or its die event', () => {
    expect(keepsServicesWhileStopped('on-success', exited(1), undefined)).to.equal(true);
    expect(keepsServicesWhileStopped('on-success', undefined, { name: 'web', exitCode: 137, removed: false })).to.equal(true);
  });

  it('lets them go after exit 0, a removal, while running, for a container that is gone, and always with --deregister always', () => {
    expect(keepsServicesWhileStopped('on-success', exited(0), undefined)).to.equal(false);
    expect(keepsServicesWhileStopped('on-success', undefined, { name: 'web', exitCode: 1, removed: true })).to.equal(false);
    expect(keepsServicesWhileStopped('on-success', { ...exited(1), running: true }, undefined)).to.equal(false);
    expect(keepsServicesWhileStopped('on-success', undefined, undefined)).to.equal(false);
    expect(keepsServicesWhileStopped('always', exited(1), undefined)).to.equal(false);
  });
});
