// Which full passes the operator hears about at info: the first, and those that wrote or failed.
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { pino } from 'pino';
import { FullPasses } from '../../../src/reconcile/full-passes.js';
import type { PassSummary } from '../../../src/reconcile/reconciler.js';
import { Metrics } from '../../../src/status/metrics.js';

describe('reconcile/full-passes: log levels', () => {
  it('logs the first pass and passes that wrote or failed at info, routine ones at debug', async () => {
    const lines: { level: number; event?: string }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as { level: number });
        done();
      },
    });
    const metrics = new Metrics();
    // Each pass: what it does to the counters, and what it reports.
    const script: [() => void, PassSummary][] = [
      [() => undefined, { containers: 2, failed: 0, ms: 1 }], // first
      [() => undefined, { containers: 2, failed: 0, ms: 1 }], // routine
      [() => metrics.inc('registrar_registrations_total'), { containers: 3, failed: 0, ms: 1 }],
      [() => metrics.inc('registrar_deregistrations_total'), { containers: 2, failed: 0, ms: 1 }],
      [() => undefined, { containers: 2, failed: 1, ms: 1 }],
      [() => undefined, { containers: 2, failed: 0, ms: 1 }], // routine
    ];
    let i = 0;
    const passes = new FullPasses(
      () => {
        const [effect, summary] = script[i++]!;
        effect();
        return Promise.resolve(summary);
      },
      0,
      metrics,
      pino({ level: 'debug' }, sink),
    );
    for (const _ of script) await passes.request();
    await new Promise((r) => setImmediate(r));
    const levels = lines.filter((l) => l.event === 'full-pass').map((l) => pino.levels.labels[l.level]);
    expect(levels).to.deep.equal(['info', 'debug', 'info', 'info', 'info', 'debug']);
  });
});
