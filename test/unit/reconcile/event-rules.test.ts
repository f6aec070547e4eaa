import { expect } from 'chai';
import { decide, shouldLook, type Clock } from '../../../src/reconcile/event-rules.js';
import { ContainerLedger } from '../../../src/reconcile/ledger.js';

/** A clock that only moves when a test moves it; sleepers wake when their time has come. */
class FakeClock implements Clock {
  private ms = 0;
  private sleepers: { at: number; wake: () => void }[] = [];

  now(): number {
    return this.ms;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((wake) => this.sleepers.push({ at: this.ms + ms, wake }));
  }

  async advance(ms: number): Promise<void> {
    this.ms += ms;
    const due = this.sleepers.filter((s) => s.at <= this.ms);
    this.sleepers = this.sleepers.filter((s) => s.at > this.ms);
    for (const s of due) s.wake();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const STOPPED = { name: 'web', exitCode: 0, removed: false };
const SEEN = { name: 'web', labels: {} };

describe('reconcile/event-rules', () => {
  it('looks at once for a start, a die and any other container event', () => {
    const memory = new ContainerLedger();
    const rules = { now: 0, settleMs: 1000 };
    expect(decide('c', { seen: SEEN }, memory, rules)).to.deep.equal({ look: 'now' });
    expect(decide('c', { stopped: STOPPED }, memory, rules)).to.deep.equal({ look: 'now' });
    expect(decide('c', {}, memory, rules)).to.deep.equal({ look: 'now' });
  });

  it('never looks for a disconnect of a container that owns nothing, or whose latest event was a die', () => {
    const memory = new ContainerLedger();
    const rules = { now: 0, settleMs: 1000 };
    expect(decide('c', { network: 'disconnect' }, memory, rules)).to.deep.equal({ look: 'never' });
    memory.servicesNow('c', 1);
    expect(decide('c', { network: 'disconnect' }, memory, rules)).to.deep.equal({ look: 'now' });
    decide('c', { stopped: STOPPED }, memory, rules);
    expect(decide('c', { network: 'disconnect' }, memory, rules)).to.deep.equal({ look: 'never' });
    // A start since: a disconnect of a running container with services is looked at.
    decide('c', { seen: SEEN }, memory, rules);
    expect(decide('c', { network: 'disconnect' }, memory, rules)).to.deep.equal({ look: 'now' });
  });

  it('makes a connect wait the settle time, and drops it when a sync started meanwhile', async () => {
    const memory = new ContainerLedger();
    const clock = new FakeClock();
    await clock.advance(100);
    let dropped: boolean | undefined;
    void shouldLook('c', { network: 'connect' }, { memory, clock, settleMs: 50 }).then((look) => (dropped = !look));
    await clock.advance(10);
    memory.syncStarted('c', clock.now()); // a start's sync
    await clock.advance(39);
    expect(dropped, 'still waiting').to.equal(undefined);
    await clock.advance(1);
    expect(dropped).to.equal(true);
  });

  it('looks after the settle time at a connect with no sync since (a network connected to a running container)', async () => {
    const memory = new ContainerLedger();
    const clock = new FakeClock();
    memory.syncStarted('c', clock.now()); // before the event: it does not count
    let look: boolean | undefined;
    void shouldLook('c', { network: 'connect' }, { memory, clock, settleMs: 50 }).then((l) => (look = l));
    await clock.advance(49);
    expect(look).to.equal(undefined);
    await clock.advance(1);
    expect(look).to.equal(true);
  });
});
