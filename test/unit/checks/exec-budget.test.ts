import { expect } from 'chai';
import { ExecBudget } from '../../../src/checks/exec-budget.js';
import { FakeClock } from '../support/fake-clock.js';

describe('checks/exec-budget: ExecBudget', () => {
  it('grants at most its rate a second for the whole host, evenly spaced', async () => {
    const clock = new FakeClock();
    const budget = new ExecBudget(20, clock);
    const granted: number[] = [];
    for (let i = 0; i < 100; i++) void budget.take(`c${i % 4}`).then(() => granted.push(clock.now()));
    await clock.advance(2_000);
    expect(granted.length).to.be.within(40, 41);
    expect(granted.slice(1).every((t, i) => t - granted[i]! >= 50)).to.equal(true);
  });

  // 64 script checks at 1s from one container, one check of another: the other is not queued behind them.
  it('serves waiting containers in turn, so one asking for many does not delay another', async () => {
    const clock = new FakeClock();
    const budget = new ExecBudget(20, clock);
    const order: string[] = [];
    for (let i = 0; i < 64; i++) void budget.take('flood').then(() => order.push('flood'));
    await clock.advance(120);
    let quietAt: number | undefined;
    const asked = clock.now();
    void budget.take('quiet').then(() => {
      order.push('quiet');
      quietAt = clock.now();
    });
    await clock.advance(200);
    // The flood's turn already under way, then the quiet container's: within two gaps of 50 ms.
    expect(quietAt! - asked).to.be.at.most(100);
    expect(order.indexOf('quiet')).to.equal(order.lastIndexOf('flood', order.indexOf('quiet')) + 1);
    expect(order.filter((o, i) => o === 'flood' && i < order.indexOf('quiet')).length).to.be.at.most(5);
  });

  it('gives up a waiting turn when its signal is aborted', async () => {
    const clock = new FakeClock();
    const budget = new ExecBudget(1, clock);
    await budget.take('a');
    const gone = new AbortController();
    let rejected: unknown;
    void budget.take('b', gone.signal).catch((err: unknown) => (rejected = err));
    const granted: string[] = [];
    void budget.take('c').then(() => granted.push('c'));
    gone.abort(new Error('timed out'));
    await clock.advance(1_000);
    expect((rejected as Error).message).to.equal('timed out');
    expect(granted).to.deep.equal(['c']);
    expect(budget.waitingOwners).to.equal(0);
    const late = new AbortController();
    late.abort(new Error('already'));
    await budget.take('d', late.signal).catch((err: unknown) => (rejected = err));
    expect((rejected as Error).message).to.equal('already');
  });
});
