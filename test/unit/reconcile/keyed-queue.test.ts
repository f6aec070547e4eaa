import { expect } from 'chai';
import { KeyedQueue } from '../../../src/reconcile/keyed-queue.js';

/** Lets every pending promise callback and I/O callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Gate {
  promise: Promise<void>;
  open: () => void;
}
const gate = (): Gate => {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
};

/** Records which tasks run, and how many run at once per key and overall. */
class Recorder {
  started: string[] = [];
  finished: string[] = [];
  private running = new Map<string, number>();
  private total = 0;
  maxPerKey = 0;
  maxTotal = 0;
  gates = new Map<string, Gate>();

  task(key: string, label: string): () => Promise<void> {
    const g = gate();
    this.gates.set(label, g);
    return async () => {
      this.started.push(label);
      this.running.set(key, (this.running.get(key) ?? 0) + 1);
      this.total++;
      this.maxPerKey = Math.max(this.maxPerKey, this.running.get(key)!);
      this.maxTotal = Math.max(this.maxTotal, this.total);
      await g.promise;
      this.running.set(key, this.running.get(key)! - 1);
      this.total--;
      this.finished.push(label);
    };
  }

  open(label: string): void {
    this.gates.get(label)!.open();
  }
}

describe('reconcile/keyed-queue: KeyedQueue', () => {
  it('runs a single task and resolves when it is done', async () => {
    const q = new KeyedQueue();
    let ran = false;
    await q.run('a', async () => {
      ran = true;
    });
    expect(ran).to.equal(true);
    expect(q.size).to.equal(0);
  });

  it('never lets two tasks of one key overlap', async () => {
    const q = new KeyedQueue();
    const r = new Recorder();
    const done = [q.run('a', r.task('a', 'a1'))];
    await settle();
    expect(r.started).to.deep.equal(['a1']);
    done.push(q.run('a', r.task('a', 'a2')));
    await settle();
    expect(r.started, 'a2 waits for a1').to.deep.equal(['a1']);
    r.open('a1');
    await settle();
    expect(r.started).to.deep.equal(['a1', 'a2']);
    done.push(q.run('a', r.task('a', 'a3')));
    r.open('a2');
    await settle();
    r.open('a3');
    await Promise.all(done);
    expect(r.finished).to.deep.equal(['a1', 'a2', 'a3']);
    expect(r.maxPerKey).to.equal(1);
  });

  it('never overlaps tasks of one key under a random burst of requests', async () => {
    const q = new KeyedQueue();
    let running = 0;
    let max = 0;
    let runs = 0;
    const task = () => async () => {
      running++;
      runs++;
      max = Math.max(max, running);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
      running--;
    };
    const all: Promise<void>[] = [];
    for (let i = 0; i < 60; i++) {
      all.push(q.run('same', task()));
      if (i % 7 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await Promise.all(all);
    expect(max).to.equal(1);
    expect(runs).to.be.greaterThan(0).and.lessThan(60);
    expect(q.size).to.equal(0);
  });

  it('merges requests made while one is waiting into one run of the newest task', async () => {
    const q = new KeyedQueue();
    const r = new Recorder();
    const first = q.run('a', r.task('a', 'first'));
    await settle();
    const second = q.run('a', r.task('a', 'second'));
    const third = q.run('a', r.task('a', 'third'));
    const fourth = q.run('a', r.task('a', 'fourth'));
    expect(second).to.equal(third);
    expect(third).to.equal(fourth);
    expect(first).to.not.equal(second);
    r.open('first');
    await settle();
    r.open('fourth');
    await Promise.all([first, second, third, fourth]);
    expect(r.started).to.deep.equal(['first', 'fourth']);
  });

  it('runs a request made while a task runs after that task, so it sees the state after it', async () => {
    const q = new KeyedQueue();
    const log: string[] = [];
    const g = gate();
    const one = q.run('a', async () => {
      log.push('one start');
      await g.promise;
      log.push('one end');
    });
    await settle();
    const two = q.run('a', async () => {
      log.push('two');
    });
    g.open();
    await Promise.all([one, two]);
    expect(log).to.deep.equal(['one start', 'one end', 'two']);
  });

  it('resolves a merged request only once the task that replaced it has run', async () => {
    const q = new KeyedQueue();
    const r = new Recorder();
    void q.run('a', r.task('a', 'running'));
    await settle();
    let mergedDone = false;
    void q.run('a', r.task('a', 'old')).then(() => (mergedDone = true));
    void q.run('a', r.task('a', 'new'));
    r.open('running');
    await settle();
    expect(r.started).to.deep.equal(['running', 'new']);
    expect(mergedDone).to.equal(false);
    r.open('new');
    await settle();
    expect(mergedDone).to.equal(true);
  });

  it('runs tasks of different keys at once: the queue itself sets no global limit', async () => {
    const q = new KeyedQueue();
    const r = new Recorder();
    const keys = ['k1', 'k2', 'k3', 'k4', 'k5'];
    const done = keys.map((k) => q.run(k, r.task(k, k)));
    await settle();
    expect(r.started).to.deep.equal(keys);
    expect(q.size).to.equal(5);
    for (const k of keys) r.open(k);
    await Promise.all(done);
    expect(r.maxTotal).to.equal(5);
    expect(r.maxPerKey).to.equal(1);
    expect(q.size).to.equal(0);
  });

  it('never overlaps tasks of one key when many keys also get repeat requests', async () => {
    const q = new KeyedQueue();
    const perKey = new Map<string, number>();
    let maxPerKey = 0;
    const task = (key: string) => async () => {
      perKey.set(key, (perKey.get(key) ?? 0) + 1);
      maxPerKey = Math.max(maxPerKey, perKey.get(key)!);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
      perKey.set(key, perKey.get(key)! - 1);
    };
    const all: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) {
      const key = `k${i % 9}`;
      all.push(q.run(key, task(key)));
      if (i % 11 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await Promise.all(all);
    expect(maxPerKey).to.equal(1);
    expect(q.size).to.equal(0);
  });

  it('merges requests made in the same turn as the first one into one run of the newest task', async () => {
    const q = new KeyedQueue();
    const r = new Recorder();
    const first = q.run('a', r.task('a', 'first'));
    const second = q.run('a', r.task('a', 'second'));
    const third = q.run('a', r.task('a', 'third'));
    expect(first).to.equal(second);
    expect(second).to.equal(third);
    await settle();
    expect(r.started).to.deep.equal(['third']);
    r.open('third');
    await Promise.all([first, second, third]);
    expect(r.started).to.deep.equal(['third']);
    expect(q.size).to.equal(0);
  });

  it('forgets a key once its work is done, and runs a later request for it afresh', async () => {
    const q = new KeyedQueue();
    let count = 0;
    await q.run('a', async () => void count++);
    expect(q.size).to.equal(0);
    await q.run('a', async () => void count++);
    expect(count).to.equal(2);
  });
});
