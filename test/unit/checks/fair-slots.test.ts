import { expect } from 'chai';
import { FairSlots, type Hold } from '../../../src/checks/fair-slots.js';
import { FakeClock, settle } from '../support/fake-clock.js';

const HOUR = 3_600_000;

/** Places on a clock of their own, with a lease of a second (the default) and every grant recorded. */
function setUp(limit: number, leaseMs = 1_000) {
  const clock = new FakeClock();
  const slots = new FairSlots(limit, { clock, leaseMs, halfLifeMs: 30_000 });
  const granted: string[] = [];
  const holds = new Map<string, Hold[]>();
  /** Asks for `count` places for `owner`. */
  const ask = (owner: string, count: number) => {
    for (let i = 0; i < count; i++)
      void slots.acquire(owner).then((hold) => {
        granted.push(owner);
        holds.set(owner, [...(holds.get(owner) ?? []), hold]);
      });
  };
  /** Releases the oldest place `owner` still has. */
  const release = (owner: string) => holds.get(owner)!.shift()!.release();
  return { clock, slots, granted, ask, release };
}

describe('checks/fair-slots: FairSlots', () => {
  it('lets one owner alone take half the places (rounded up), never more', async () => {
    const { slots, granted, ask, release } = setUp(3);
    ask('a', 5);
    await settle();
    expect(granted).to.deep.equal(['a', 'a']);
    release('a');
    await settle();
    expect(granted).to.have.length(3);
    expect(slots.ownerCount).to.equal(1);
  });

  it('serves waiting owners with equal place time in turn, one place each, not in the order they asked', async () => {
    const { granted, ask, release } = setUp(1);
    ask('holder', 1);
    await settle();
    ask('a', 3);
    ask('b', 3);
    ask('c', 1);
    release('holder');
    for (let i = 0; i < 6; i++) {
      await settle();
      release(granted.at(-1)!);
    }
    await settle();
    expect(granted.slice(1)).to.deep.equal(['a', 'b', 'c', 'a', 'b', 'a', 'b']);
  });

  it('gives a freed place to the waiting owner that has held the least place time lately', async () => {
    const { clock, granted, ask, release } = setUp(2, 10_000);
    // a holds its place for 500 ms a run, b for 10 ms.
    ask('a', 1);
    ask('b', 1);
    await settle();
    await clock.advance(10);
    release('b');
    await clock.advance(490);
    release('a');
    // x and y fill both places; a asks before b, but b has held less place time, so b comes first.
    ask('x', 1);
    ask('y', 1);
    await settle();
    ask('a', 1);
    ask('b', 1);
    release('x');
    await settle();
    release('y');
    await settle();
    expect(granted.slice(-2)).to.deep.equal(['b', 'a']);
  });

  it('leaves no place free while an owner below the cap waits, and passes over one holding more', async () => {
    const { granted, ask, release } = setUp(5);
    ask('a', 2);
    ask('b', 2);
    ask('c', 1);
    ask('a', 1);
    ask('b', 1);
    await settle();
    expect(granted).to.deep.equal(['a', 'a', 'b', 'b', 'c']);
    // c leaves: a and b, with no place time yet, hold as many; a, first in turn, gets the place.
    release('c');
    await settle();
    expect(granted.slice(5)).to.deep.equal(['a']);
  });

  // Places taken for as long as checks ran let two containers with hour-long checks hold all 16,
  // and a third container's 10 s check waited for an hour: its TTL (2 × 10 s + 10 s) ran out.
  it("keeps two containers' hour-long checks from delaying a third container's 10 s check by more than a lease", async () => {
    const { clock, slots } = setUp(16);
    const longRuns: Promise<unknown>[] = [];
    for (const owner of ['long-a', 'long-b'])
      for (let i = 0; i < 8; i++) longRuns.push(slots.acquire(owner).then((hold) => clock.after(HOUR, () => hold.release())));
    await settle();
    let worstWait = 0;
    // The third container's check: due every 10 s, runs 50 ms, for two minutes.
    for (let due = 5_000; due < 120_000; due += 10_000) {
      await clock.advance(due - clock.now());
      let hold: Hold | undefined;
      void slots.acquire('short').then((h) => (hold = h));
      for (let waited = 0; !hold && waited < 30_000; waited += 10) await clock.advance(10);
      expect(hold, `the run due at ${due} ms got a place`).to.not.equal(undefined);
      worstWait = Math.max(worstWait, clock.now() - due);
      await clock.advance(50);
      hold!.release();
      expect(clock.now() - due, 'reported well inside its 30 s TTL').to.be.below(2_000);
    }
    expect(worstWait, 'waited a lease at most').to.be.at.most(1_000);
    // The long runs go on, without a place: each container still runs at most half the places.
    const more: string[] = [];
    void slots.acquire('long-a').then(() => more.push('long-a'));
    await clock.advance(1_000);
    expect(more, 'long-a already runs 8, its cap').to.deep.equal([]);
  });

  it('forgets an owner once it holds, runs and waits for nothing', async () => {
    const { slots, ask, release } = setUp(1);
    ask('a', 1);
    await settle();
    const b = slots.acquire('b');
    expect(slots.ownerCount).to.equal(2);
    release('a');
    const hold = await b;
    expect(slots.ownerCount).to.equal(1);
    hold.release();
    expect(slots.ownerCount).to.equal(0);
    expect(() => hold.release()).to.throw('twice');
  });

  it('counts a run past its lease against its owner until it ends', async () => {
    const { clock, slots, granted, ask, release } = setUp(2, 1_000);
    ask('a', 1);
    await clock.advance(1_500);
    ask('a', 1);
    await settle();
    expect(granted, 'a still runs 1, its cap: the free places wait').to.deep.equal(['a']);
    ask('b', 2);
    await settle();
    expect(granted.slice(1), "the overdue run's place went on").to.deep.equal(['b']);
    release('a');
    await settle();
    expect(granted.slice(2)).to.deep.equal(['a']);
    expect(slots.ownerCount).to.equal(2);
  });

  it('ends leases on the real clock too, one after another', async () => {
    const slots = new FairSlots(2, { leaseMs: 30 });
    const first = await slots.acquire('a');
    await new Promise((r) => setTimeout(r, 10));
    const second = await slots.acquire('b');
    const waiting = [slots.acquire('c'), slots.acquire('d')];
    const started = Date.now();
    await waiting[0];
    expect(Date.now() - started, "a's lease ends first").to.be.below(40);
    await waiting[1];
    for (const hold of [first, second, ...(await Promise.all(waiting))]) hold.release();
    expect(slots.ownerCount).to.equal(0);
  });

  it('drops a waiter whose signal is aborted, passing the turn on', async () => {
    const { slots, granted, ask, release } = setUp(1);
    ask('holder', 1);
    await settle();
    const gone = new AbortController();
    let rejected: unknown;
    void slots
      .acquire('a', gone.signal)
      .then(() => granted.push('a'))
      .catch((err: unknown) => (rejected = err));
    ask('b', 1);
    gone.abort(new Error('check removed'));
    await settle();
    expect((rejected as Error).message).to.equal('check removed');
    expect(slots.ownerCount, 'a waits for nothing any more').to.equal(2);
    release('holder');
    await settle();
    expect(granted).to.deep.equal(['holder', 'b']);
  });

  it('refuses at once a signal already aborted, and ignores an abort after the grant', async () => {
    const { slots, ask, release } = setUp(1);
    const gone = new AbortController();
    gone.abort(new Error('check removed'));
    let rejected: unknown;
    await slots.acquire('a', gone.signal).catch((err: unknown) => (rejected = err));
    expect((rejected as Error).message).to.equal('check removed');
    expect(slots.ownerCount).to.equal(0);

    ask('holder', 1);
    await settle();
    const late = new AbortController();
    const a = slots.acquire('a', late.signal);
    release('holder');
    const hold = await a;
    late.abort();
    expect(slots.ownerCount, 'a still holds its place').to.equal(1);
    hold.release();
    expect(slots.ownerCount).to.equal(0);
  });
});
