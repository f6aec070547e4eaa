// The audit's own rules: events are told apart by time, type, actor and action; a log query that
// does not answer in time gives no verdict; what it remembers is bounded by age.
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { StreamAudit } from '../../../src/docker/stream-audit.js';

const event = (id: string, timeNano: number) => ({ Type: 'container', Action: 'start', Actor: { ID: id }, timeNano });
const logOf = (events: object[]) => async () => {
  const stream = new PassThrough();
  stream.end(events.map((e) => `${JSON.stringify(e)}\n`).join(''));
  return stream;
};

describe('docker/stream-audit: StreamAudit', () => {
  it('counts the logged events the stream did not deliver', async () => {
    const audit = new StreamAudit(60_000);
    audit.record(event('a', 1), 1000);
    const missed = await audit.missed(logOf([event('a', 1), event('a', 2), event('b', 1)]), 0, 2000, 1000);
    expect(missed).to.equal(2);
  });

  it('gives no verdict when Docker does not answer within the deadline', async () => {
    const audit = new StreamAudit(60_000);
    const hung = () => new Promise<NodeJS.ReadableStream>(() => undefined);
    const started = Date.now();
    expect(await audit.missed(hung, 0, 2000, 50)).to.equal(undefined);
    expect(Date.now() - started).to.be.below(500);
  });

  it('gives no verdict when the query fails', async () => {
    const failing = () => Promise.reject(new Error('connect ENOENT'));
    expect(await new StreamAudit(60_000).missed(failing, 0, 2000, 1000)).to.equal(undefined);
  });

  it('forgets what arrived longer ago than it keeps', async () => {
    const audit = new StreamAudit(10_000);
    audit.record(event('old', 1), 1_000);
    audit.record(event('new', 2), 95_000);
    // Audited at 100 s: the old event is forgotten, so a log still holding it counts it missed.
    expect(await audit.missed(logOf([event('old', 1), event('new', 2)]), 0, 100_000, 1000)).to.equal(1);
  });
});
