import { expect } from 'chai';
import { Semaphore } from '../../src/semaphore.js';

/** Lets every pending promise callback and I/O callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('semaphore: Semaphore', () => {
  it('lets at most `limit` holders in, and the next one in when one releases', async () => {
    const s = new Semaphore(2);
    const holding: number[] = [];
    for (let i = 1; i <= 4; i++) void s.acquire().then(() => holding.push(i));
    await settle();
    expect(holding).to.deep.equal([1, 2]);
    s.release();
    await settle();
    expect(holding).to.deep.equal([1, 2, 3]);
    s.release();
    s.release();
    s.release();
    await settle();
    expect(holding).to.deep.equal([1, 2, 3, 4]);
  });

  it('serves waiters in the order they asked', async () => {
    const s = new Semaphore(1);
    await s.acquire();
    const order: string[] = [];
    const waiters = ['a', 'b', 'c', 'd'].map((label) => s.acquire().then(() => order.push(label)));
    await settle();
    expect(order).to.deep.equal([]);
    for (let i = 0; i < 4; i++) {
      s.release();
      await settle();
    }
    await Promise.all(waiters);
    expect(order).to.deep.equal(['a', 'b', 'c', 'd']);
  });

  it('use() never runs more than `limit` tasks at once and returns each result', async () => {
    const s = new Semaphore(3);
    let running = 0;
    let max = 0;
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        s.use(async () => {
          running++;
          max = Math.max(max, running);
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
          running--;
          return i * 2;
        }),
      ),
    );
    expect(max).to.equal(3);
    expect(results).to.deep.equal(Array.from({ length: 30 }, (_, i) => i * 2));
  });

  it('use() releases its place when the task throws', async () => {
    const s = new Semaphore(1);
    let error: unknown;
    await s
      .use(async () => {
        throw new Error('boom');
      })
      .catch((err: unknown) => (error = err));
    expect((error as Error).message).to.equal('boom');
    let ran = false;
    await s.use(async () => void (ran = true));
    expect(ran, 'the place the failed task held is free again').to.equal(true);
  });
});
