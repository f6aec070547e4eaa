import { expect } from 'chai';
import { TtlReporter } from '../../../src/checks/ttl-report.js';
import type { CheckJob } from '../../../src/model/registration.js';
import { checkTtlMs } from '../../../src/model/check-ttl.js';
import { FakeClock } from '../support/fake-clock.js';

const job = (intervalMs = 2_000, timeoutMs = 2_000): CheckJob => ({
  kind: 'script',
  checkId: 'service:web:script',
  containerId: 'c1',
  pid: 100,
  user: 'app',
  env: {},
  argv: ['true'],
  intervalMs,
  timeoutMs,
});
const PASSING = { status: 'passing', output: 'ok' } as const;

/** A reporter over a fake agent that notes when each update arrived. */
function setUp(current = () => true) {
  const clock = new FakeClock();
  const writes: { at: number; status: string; output: string }[] = [];
  const reporter = new TtlReporter(
    { updateTtl: async (_id, status, output) => void writes.push({ at: clock.now(), status, output }) },
    () => undefined,
    current,
    clock,
  );
  return { clock, writes, reporter };
}

/** The longest time Consul went without an update between `from` and `to`. */
function longestGap(writes: { at: number }[], to: number): number {
  let last = writes[0]!.at;
  let gap = 0;
  for (const w of [...writes.slice(1), { at: to }]) {
    gap = Math.max(gap, w.at - last);
    last = w.at;
  }
  return gap;
}

describe('TTL reports', () => {
  it('skips every other unchanged result at one run an interval, and never lets the TTL run out', async () => {
    const { clock, writes, reporter } = setUp();
    const j = job();
    for (let run = 0; run < 20; run++) {
      await reporter.report(j, PASSING);
      await clock.advance(j.intervalMs);
    }
    expect(writes).to.have.length(10);
    expect(longestGap(writes, clock.now())).to.be.below(checkTtlMs(j));
  });

  it('sends a changed status or output at once', async () => {
    const { clock, writes, reporter } = setUp();
    const j = job();
    await reporter.report(j, PASSING);
    await clock.advance(100);
    await reporter.report(j, { status: 'passing', output: 'ok, slower' });
    await clock.advance(100);
    await reporter.report(j, { status: 'critical', output: 'ok, slower' });
    expect(writes.map((w) => [w.at, w.status, w.output])).to.deep.equal([
      [0, 'passing', 'ok'],
      [100, 'passing', 'ok, slower'],
      [200, 'critical', 'ok, slower'],
    ]);
  });

  it('refreshes a skipped result before the TTL runs out when the next run is late or never comes', async () => {
    const { clock, writes, reporter } = setUp();
    const j = job(1_000, 1_000); // the tightest TTL: 3 s
    await reporter.report(j, PASSING);
    await clock.advance(1_000);
    await reporter.report(j, PASSING); // skipped
    expect(writes).to.have.length(1);
    await clock.advance(10_000); // no run reports any more
    expect(writes.map((w) => w.at)).to.deep.equal([0, 2_250]);
    expect(writes[1]!.at - writes[0]!.at).to.be.below(checkTtlMs(j));
  });

  it('keeps a passing check alive through runs that come at random lateness within their TTL allowance', async () => {
    const { clock, writes, reporter } = setUp();
    const j = job(1_000, 1_000);
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    let due = 0;
    for (let run = 0; run < 200; run++) {
      due += j.intervalMs;
      const at = due + random() * 1_500; // started up to 1.5 s late, report within the timeout
      await clock.advance(at - clock.now());
      await reporter.report(j, PASSING);
    }
    expect(longestGap(writes, clock.now())).to.be.below(checkTtlMs(j));
    expect(writes.length).to.be.below(200);
  });

  it('sends no refresh for a job the scheduler dropped, and sends everything again after a reset', async () => {
    let scheduled = true;
    const { clock, writes, reporter } = setUp(() => scheduled);
    const j = job();
    await reporter.report(j, PASSING);
    await clock.advance(1_000);
    await reporter.report(j, PASSING); // skipped: arms a refresh
    scheduled = false;
    await clock.advance(10_000);
    expect(writes).to.have.length(1);
    scheduled = true;
    await reporter.report(j, PASSING);
    await clock.advance(100);
    reporter.reset(); // the agent may have lost the check's state
    await reporter.report(j, PASSING);
    expect(writes.map((w) => w.at)).to.deep.equal([0, 11_000, 11_100]);
  });

  it('sends the first result of a changed job (a new object) at once', async () => {
    const { writes, reporter } = setUp();
    await reporter.report(job(), PASSING);
    await reporter.report(job(), PASSING);
    expect(writes).to.have.length(2);
  });
});
