import { expect } from 'chai';
import pino from 'pino';
import type { Running } from '../../../src/checks/executor.js';
import type { Outcome } from '../../../src/checks/outcome.js';
import { CheckScheduler, type SchedulerOptions } from '../../../src/checks/scheduler.js';
import type { CheckJob } from '../../../src/model/registration.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const log = pino({ level: 'silent' });
const PASSING: Outcome = { status: 'passing', output: 'ok' };

const job = (checkId: string, intervalMs: number, overrides: Partial<CheckJob> = {}): CheckJob => ({
  kind: 'script',
  checkId,
  containerId: 'c1',
  user: '',
  env: {},
  pid: 100,
  argv: ['true'],
  intervalMs,
  timeoutMs: 5,
  ...overrides,
});

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}
const deferred = (): Deferred => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

/** A fake executor and Consul: records every run and every report. */
class Fake {
  runs: string[] = [];
  reports: { checkId: string; outcome: Outcome }[] = [];
  /** Makes each run; by default one that has ended at once, passing. */
  behaviour: (job: CheckJob) => Running = () => ({ outcome: Promise.resolve(PASSING), finished: Promise.resolve() });

  readonly run = (j: CheckJob): Running => {
    this.runs.push(j.checkId);
    return this.behaviour(j);
  };

  readonly report = async (j: CheckJob, outcome: Outcome): Promise<void> => {
    this.reports.push({ checkId: j.checkId, outcome });
  };

  count(checkId: string): number {
    return this.runs.filter((id) => id === checkId).length;
  }
}

describe('checks/scheduler: CheckScheduler', function () {
  this.timeout(2_000);
  let scheduler: CheckScheduler | undefined;
  afterEach(() => scheduler?.stop());

  // random 0: every first run is due at once; random just under 1: a whole interval from now.
  const make = (fake: Fake, options: Partial<SchedulerOptions> = {}) =>
    (scheduler = new CheckScheduler(fake.run, fake.report, { concurrency: 4, random: () => 0, ...options }, log));

  it('adds and removes jobs per container, keeping unchanged ones as they are', async () => {
    const fake = new Fake();
    const s = make(fake);
    const a = job('a', 10_000);
    const b = job('b', 10_000);
    const c = job('c', 10_000, { containerId: 'c2' });
    s.sync('c1', [a, b]);
    s.sync('c2', [c]);
    expect(s.size).to.equal(3);
    expect(s.jobsOf('c1')).to.deep.equal([a, b]);
    expect(s.jobsOf('c2')).to.deep.equal([c]);
    await sleep(30);
    expect([...fake.runs].sort()).to.deep.equal(['a', 'b', 'c']);

    // a unchanged: keeps its rhythm (no new first run); b changed: replaced, so it runs afresh.
    const b2 = job('b', 10_000, { argv: ['false'] });
    s.sync('c1', [a, b2]);
    expect(s.jobsOf('c1')).to.deep.equal([a, b2]);
    await sleep(30);
    expect(fake.count('a'), 'an unchanged job is not started again').to.equal(1);
    expect(fake.count('b'), 'a changed job starts again').to.equal(2);

    s.sync('c1', [b2]);
    expect(s.jobsOf('c1')).to.deep.equal([b2]);
    expect(s.size).to.equal(2);
    s.sync('c1', []);
    expect(s.jobsOf('c1')).to.deep.equal([]);
    expect(s.jobsOf('c2'), "another container's jobs are left alone").to.deep.equal([c]);
    expect(s.size).to.equal(1);
    s.sync('c2', []);
    expect(s.size).to.equal(0);
  });

  it('tells once when a container that had jobs has none left, so its runner can let go of it', () => {
    const done: string[] = [];
    const s = make(new Fake(), { onContainerDone: (id) => done.push(id) });
    s.sync('c1', []);
    s.sync('c1', [job('a', 10_000)]);
    s.sync('c1', [job('a', 10_000)]);
    expect(done).to.deep.equal([]);
    s.sync('c1', []);
    s.sync('c1', []);
    expect(done).to.deep.equal(['c1']);
  });

  it('runs each job again every interval and reports every outcome', async () => {
    const fake = new Fake();
    const s = make(fake);
    s.sync('c1', [job('a', 30)]);
    await sleep(200);
    // Due at 0, 30, 60, ... 180 ms: about 7 runs; timers may run late on a busy machine.
    expect(fake.count('a')).to.be.within(3, 8);
    expect(fake.reports.length).to.be.within(fake.runs.length - 1, fake.runs.length);
    expect(fake.reports.every((r) => r.checkId === 'a' && r.outcome === PASSING)).to.equal(true);
    expect(s.stats.runs).to.equal(fake.runs.length);
    expect(s.stats.skipped).to.equal(0);
  });

  it('stops running a removed job', async () => {
    const fake = new Fake();
    const s = make(fake);
    s.sync('c1', [job('a', 20)]);
    await sleep(50);
    s.sync('c1', []);
    const before = fake.count('a');
    expect(before).to.be.greaterThan(0);
    await sleep(60);
    expect(fake.count('a')).to.equal(before);
  });

  it('skips the next due runs while a run has not finished, but reports its outcome', async () => {
    const fake = new Fake();
    const hung = deferred();
    const critical: Outcome = { status: 'critical', output: 'timed out' };
    // The outcome settles at the deadline; the command itself has not ended.
    fake.behaviour = () => ({ outcome: Promise.resolve(critical), finished: hung.promise });
    const s = make(fake);
    s.sync('c1', [job('a', 20)]);
    await sleep(130);
    expect(fake.count('a'), 'never two runs of one check at once').to.equal(1);
    expect(fake.reports).to.deep.equal([{ checkId: 'a', outcome: critical }]);
    expect(s.stats.skipped).to.be.at.least(2);

    fake.behaviour = () => ({ outcome: Promise.resolve(PASSING), finished: Promise.resolve() });
    hung.resolve();
    await sleep(70);
    expect(fake.count('a'), 'runs again once the hung run has ended').to.be.at.least(2);
  });

  it('runs at most `concurrency` checks at once', async () => {
    const fake = new Fake();
    let active = 0;
    let max = 0;
    fake.behaviour = () => {
      active++;
      max = Math.max(max, active);
      const ended = sleep(15).then(() => void active--);
      return { outcome: ended.then(() => PASSING), finished: ended };
    };
    const s = make(fake, { concurrency: 2 });
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    // Two containers: one alone may hold only half the places.
    s.sync(
      'c1',
      ids.slice(0, 3).map((id) => job(id, 20)),
    );
    s.sync(
      'c2',
      ids.slice(3).map((id) => job(id, 20, { containerId: 'c2' })),
    );
    await sleep(200);
    expect(max).to.equal(2);
    for (const id of ids) expect(fake.count(id), `${id} got its turn`).to.be.at.least(1);
  });

  // One queue for all let a container whose checks all hang hold every place, and other containers' TTLs ran out.
  it("keeps places for other containers while one container's checks all hang", async () => {
    const fake = new Fake();
    const deadlines: Deferred[] = [];
    const never = new Promise<void>(() => {});
    fake.behaviour = (j) => {
      if (j.containerId === 'c2') return { outcome: Promise.resolve(PASSING), finished: Promise.resolve() };
      // Each hung run is reported critical at its deadline; its process never ends.
      const deadline = deferred();
      deadlines.push(deadline);
      return { outcome: deadline.promise.then((): Outcome => ({ status: 'critical', output: 'timed out' })), finished: never };
    };
    const s = make(fake, { concurrency: 4 });
    s.sync(
      'c1',
      ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => job(id, 10_000)),
    );
    await sleep(30);
    expect(fake.runs, 'c1 holds half the places at most; four of its checks wait').to.deep.equal(['a', 'b']);
    s.sync('c2', [job('x', 10_000, { containerId: 'c2' })]);
    await sleep(30);
    expect(fake.runs, 'a place was left for another container').to.deep.equal(['a', 'b', 'x']);

    deadlines[0]!.resolve();
    await sleep(30);
    expect(fake.runs).to.deep.equal(['a', 'b', 'x', 'c']);
    expect(fake.reports.map((r) => r.checkId)).to.deep.equal(['x', 'a']);
  });

  it('runNow starts a run at once, but not a second one while it runs', async () => {
    const fake = new Fake();
    const s = make(fake, { random: () => 0.999, minGapMs: 0 });
    s.sync('c1', [job('a', 10_000)]);
    await sleep(30);
    expect(fake.runs, 'the first run is nearly an interval away').to.deep.equal([]);
    s.runNow('a');
    await sleep(30);
    expect(fake.runs).to.deep.equal(['a']);

    const running = deferred();
    fake.behaviour = () => ({ outcome: running.promise.then(() => PASSING), finished: running.promise });
    s.runNow('a');
    await sleep(30);
    expect(fake.runs).to.deep.equal(['a', 'a']);
    s.runNow('a');
    await sleep(30);
    expect(fake.runs, 'no second run while one is running').to.deep.equal(['a', 'a']);
    running.resolve();
    s.runNow('unknown');
    await sleep(10);
    expect(fake.reports).to.have.length(2);
  });

  // A container whose HEALTHCHECK flaps sends a health_status event for every change.
  it('runNow waits for the floor after the last run it asked for, and starts one run however often it is asked', async () => {
    const fake = new Fake();
    const s = make(fake, { random: () => 0.999, minGapMs: 100 });
    s.sync('c1', [job('a', 10_000)]);
    s.runNow('a');
    await sleep(20);
    expect(fake.runs).to.deep.equal(['a']);
    for (let i = 0; i < 10; i++) {
      s.runNow('a');
      await sleep(5);
    }
    expect(fake.runs, 'not before the floor').to.deep.equal(['a']);
    await sleep(120);
    expect(fake.runs, 'one run at the floor for all those asks').to.deep.equal(['a', 'a']);
  });

  it('counts a report that fails, and carries on', async () => {
    const fake = new Fake();
    const s = new CheckScheduler(
      fake.run,
      async () => Promise.reject(new Error('consul is down')),
      { concurrency: 1, random: () => 0 },
      log,
    );
    scheduler = s;
    s.sync('c1', [job('a', 20)]);
    await sleep(70);
    expect(fake.count('a')).to.be.at.least(2);
    // Every run's report failed (the last one may still be on its way).
    expect(s.stats.reportErrors)
      .to.be.within(s.stats.runs - 1, s.stats.runs)
      .and.at.least(2);
  });

  it('reports a run that throws as critical', async () => {
    const fake = new Fake();
    fake.behaviour = () => {
      throw new Error('cannot spawn');
    };
    const s = make(fake);
    s.sync('c1', [job('a', 10_000)]);
    await sleep(30);
    expect(fake.reports).to.deep.equal([{ checkId: 'a', outcome: { status: 'critical', output: 'cannot spawn' } }]);
  });

  it('stop() stops every job', async () => {
    const fake = new Fake();
    const s = make(fake);
    s.sync('c1', [job('a', 20), job('b', 20)]);
    s.sync('c2', [job('c', 20, { containerId: 'c2' })]);
    await sleep(50);
    expect(fake.runs.length).to.be.greaterThan(0);
    s.stop();
    expect(s.size).to.equal(0);
    expect(s.jobsOf('c1')).to.deep.equal([]);
    const before = fake.runs.length;
    await sleep(80);
    expect(fake.runs.length).to.equal(before);
  });
});
