import { expect } from 'chai';
import { FairSlots } from '../../../src/checks/fair-slots.js';

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Asks for `count` places for `owner`, recording each grant in `granted`. */
const ask = (slots: FairSlots, owner: string, count: number, granted: string[]) => {
  for (let i = 0; i < count; i++) void slots.acquire(owner).then(() => granted.push(owner));
};

describe('checks/fair-slots: FairSlots', () => {
  it('lets one owner alone take half the places (rounded up), never more: places are never taken back', async () => {
    const slots = new FairSlots(3);
    const granted: string[] = [];
    ask(slots, 'a', 5, granted);
    await settle();
    expect(granted).to.deep.equal(['a', 'a']);
    slots.release('a');
    await settle();
    expect(granted).to.have.length(3);
  });

  it('serves waiting owners in turn, one place each, not in the order they asked', async () => {
    const slots = new FairSlots(1);
    await slots.acquire('holder');
    const granted: string[] = [];
    ask(slots, 'a', 3, granted);
    ask(slots, 'b', 3, granted);
    ask(slots, 'c', 1, granted);
    slots.release('holder');
    for (let i = 0; i < 6; i++) {
      await settle();
      slots.release(granted.at(-1)!);
    }
    await settle();
    expect(granted).to.deep.equal(['a', 'b', 'c', 'a', 'b', 'a', 'b']);
  });

  it('passes over an owner holding its share while another waits', async () => {
    const slots = new FairSlots(6);
    const granted: string[] = [];
    ask(slots, 'a', 6, granted);
    ask(slots, 'b', 6, granted);
    ask(slots, 'c', 1, granted);
    await settle();
    expect(granted).to.deep.equal(['a', 'a', 'a', 'b', 'b', 'b']);
    // Three owners: a share is 2. a frees one and holds 2: c gets it, though a asked first.
    slots.release('a');
    await settle();
    expect(granted.slice(6)).to.deep.equal(['c']);
    // Now every waiting owner holds its share: the first in turn below the cap (3) gets the next.
    slots.release('b');
    await settle();
    expect(granted.slice(7)).to.deep.equal(['a']);
  });

  it('leaves no place free while an owner below the cap waits, even when every waiting owner holds its share', async () => {
    const slots = new FairSlots(5);
    const granted: string[] = [];
    ask(slots, 'a', 2, granted);
    ask(slots, 'b', 2, granted);
    ask(slots, 'c', 1, granted);
    ask(slots, 'a', 1, granted);
    ask(slots, 'b', 1, granted);
    await settle();
    expect(granted).to.deep.equal(['a', 'a', 'b', 'b', 'c']);
    // c leaves: a and b each hold their share of 2; a, first in turn, gets the place all the same.
    slots.release('c');
    await settle();
    expect(granted.slice(5)).to.deep.equal(['a']);
  });

  it('forgets an owner once it holds and waits for nothing', async () => {
    const slots = new FairSlots(1);
    await slots.acquire('a');
    const b = slots.acquire('b');
    expect(slots.ownerCount).to.equal(2);
    slots.release('a');
    await b;
    expect(slots.ownerCount).to.equal(1);
    slots.release('b');
    expect(slots.ownerCount).to.equal(0);
    expect(() => slots.release('b')).to.throw('b holds no place');
  });

  it('drops a waiter whose signal is aborted, passing the turn on', async () => {
    const slots = new FairSlots(1);
    await slots.acquire('holder');
    const granted: string[] = [];
    const gone = new AbortController();
    let rejected: unknown;
    void slots
      .acquire('a', gone.signal)
      .then(() => granted.push('a'))
      .catch((err: unknown) => (rejected = err));
    ask(slots, 'b', 1, granted);
    gone.abort(new Error('check removed'));
    await settle();
    expect((rejected as Error).message).to.equal('check removed');
    expect(slots.ownerCount, 'a waits for nothing any more').to.equal(2);
    slots.release('holder');
    await settle();
    expect(granted).to.deep.equal(['b']);
  });

  it('refuses at once a signal already aborted, and ignores an abort after the grant', async () => {
    const slots = new FairSlots(1);
    const gone = new AbortController();
    gone.abort(new Error('check removed'));
    let rejected: unknown;
    await slots.acquire('a', gone.signal).catch((err: unknown) => (rejected = err));
    expect((rejected as Error).message).to.equal('check removed');
    expect(slots.ownerCount).to.equal(0);

    await slots.acquire('holder');
    const late = new AbortController();
    const a = slots.acquire('a', late.signal);
    slots.release('holder');
    await a;
    late.abort();
    expect(slots.ownerCount, 'a still holds its place').to.equal(1);
    slots.release('a');
    expect(slots.ownerCount).to.equal(0);
  });
});
