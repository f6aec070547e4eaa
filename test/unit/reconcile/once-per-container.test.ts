import { expect } from 'chai';
import { OncePerContainer } from '../../../src/reconcile/once-per-container.js';

describe('reconcile/once-per-container: OncePerContainer', () => {
  it('reports a message the first time only', () => {
    const once = new OncePerContainer();
    expect(once.fresh('c1', ['bad label'])).to.deep.equal(['bad label']);
    expect(once.fresh('c1', ['bad label'])).to.deep.equal([]);
  });

  it('reports only the new messages among the current ones', () => {
    const once = new OncePerContainer();
    once.fresh('c1', ['a']);
    expect(once.fresh('c1', ['a', 'b'])).to.deep.equal(['b']);
  });

  it('reports a message again after it went away and came back', () => {
    const once = new OncePerContainer();
    once.fresh('c1', ['a']);
    expect(once.fresh('c1', [])).to.deep.equal([]);
    expect(once.fresh('c1', ['a'])).to.deep.equal(['a']);
    once.fresh('c1', ['b']);
    expect(once.fresh('c1', ['a'])).to.deep.equal(['a']);
  });

  it('keeps containers apart', () => {
    const once = new OncePerContainer();
    once.fresh('c1', ['a']);
    expect(once.fresh('c2', ['a'])).to.deep.equal(['a']);
  });
});
