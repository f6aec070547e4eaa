import { expect } from 'chai';
import { HealthReads } from '../../../src/checks/health-reads.js';

describe('checks/health-reads: HealthReads', () => {
  let now = 0;
  let reads: string[] = [];
  const make = () => new HealthReads<string>(1_000, () => now);
  const read = (id: string) => () => {
    reads.push(id);
    return Promise.resolve(`${id}@${now}`);
  };
  beforeEach(() => {
    now = 0;
    reads = [];
  });

  // Sixteen ports of a 1 ms HEALTHCHECK, each mirror run every 1 s at its own phase: one read a second.
  it("shares one read among a container's mirrors for the window, whatever their phases", async () => {
    const health = make();
    for (let t = 0; t < 10_000; t += 1_000 / 16) {
      now = Math.floor(t);
      await health.get('c1', read('c1'));
    }
    expect(reads).to.have.length(10);
    expect(await health.get('c2', read('c2')), 'another container reads its own').to.equal('c2@9937');
  });

  it('reads afresh once after a health change, but a flapping container costs at most two reads a window', async () => {
    const health = make();
    await health.get('c1', read('c1'));
    now = 100;
    health.changed('c1');
    expect(await health.get('c1', read('c1')), 'the change is seen at once').to.equal('c1@100');
    for (now = 110; now < 1_000; now += 10) {
      health.changed('c1');
      await health.get('c1', read('c1'));
    }
    expect(reads, 'one early read in the window').to.have.length(2);
    now = 1_100;
    await health.get('c1', read('c1'));
    expect(reads).to.have.length(3);
  });
});
