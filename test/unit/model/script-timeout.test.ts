import { expect } from 'chai';
import type { Finding } from '../../../src/model/findings.js';
import { scriptTimeoutMs } from '../../../src/model/script-timeout.js';
import { TIMINGS } from '../../../src/timings.js';

const bounded = (timeout: string | undefined, intervalMs: number) => {
  const findings: Finding[] = [];
  const ms = scriptTimeoutMs({ Interval: `${intervalMs}ms`, ...(timeout ? { Timeout: timeout } : {}) }, intervalMs, findings);
  return { ms, codes: findings.map((f) => f.code) };
};

describe("model/script-timeout: how a script check's timeout is bounded", () => {
  it('takes the default timeout when none is asked, cut to a shorter interval', () => {
    expect(bounded(undefined, 60_000)).to.deep.equal({ ms: TIMINGS.scriptTimeoutMs, codes: [] });
    expect(bounded(undefined, 2_000)).to.deep.equal({ ms: 2_000, codes: [] });
  });

  it('takes an asked timeout up to the interval', () => {
    expect(bounded('3s', 10_000)).to.deep.equal({ ms: 3_000, codes: [] });
    expect(bounded('10s', 10_000)).to.deep.equal({ ms: 10_000, codes: [] });
  });

  it('cuts a timeout longer than the interval to the interval, with a finding', () => {
    expect(bounded('30s', 10_000)).to.deep.equal({ ms: 10_000, codes: ['script-timeout-cut'] });
  });
});
