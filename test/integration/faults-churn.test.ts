// Churn: random starts, stops, restarts and removals, several at once, for CHURN_SECONDS (default
// 300). The final state must be exact, and the registrar's memory flat.
import { expect } from 'chai';
import { Fleet } from '../support/fleet.js';
import { memoryMiB } from '../support/proc.js';
import { isFullPass, RegistrarProcess } from '../support/registrar-process.js';
import { agentServices, cleanup, docker, requireRig } from '../support/rig.js';

const SECONDS = Number(process.env.CHURN_SECONDS ?? 300);
const MAX_CONTAINERS = 20;

describe('faults: churn', function () {
  this.timeout((SECONDS + 120) * 1000);
  const fleet = new Fleet((filter) => agentServices(filter));
  let registrar: RegistrarProcess;

  before(requireRig);
  after(async () => {
    await registrar?.stop('SIGKILL');
    await cleanup([fleet.hostId]);
  });

  it(`ends exact after ${SECONDS} s of random container churn, with flat memory`, async () => {
    const seed = Number(process.env.CHURN_SEED ?? Date.now() % 100_000);
    const random = lcg(seed);
    const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)];
    registrar = new RegistrarProcess(['--host-id', fleet.hostId, '--resync', '60']);
    await registrar.waitForLog('first pass', isFullPass);
    const before = memoryMiB(registrar.pid);
    const names: string[] = [];
    const counts = { start: 0, stop: 0, restart: 0, remove: 0 };
    const deadline = Date.now() + SECONDS * 1000;
    while (Date.now() < deadline) {
      const actions = Array.from({ length: 1 + Math.floor(random() * 4) }, async () => {
        const action = names.length < 3 ? 'start' : pick(['start', 'stop', 'restart', 'remove', 'start', 'stop'])!;
        const name = pick(names);
        if (action === 'start' || !name) {
          if (names.length < MAX_CONTAINERS) names.push(await fleet.start());
        } else if (action === 'remove') {
          names.splice(names.indexOf(name), 1);
          await docker.getContainer(name).remove({ force: true });
        } else if (action === 'stop')
          await docker
            .getContainer(name)
            .stop({ t: 0 })
            .catch(() => docker.getContainer(name).start());
        else await docker.getContainer(name).restart({ t: 0 });
        counts[action as keyof typeof counts]++;
      });
      await Promise.all(actions.map((a) => a.catch(() => undefined))); // a racing action on a removed container is fine
      await new Promise((res) => setTimeout(res, random() * 400));
    }
    const ms = await fleet.converged(10_000);
    const after = memoryMiB(registrar.pid);
    console.log(`      seed ${seed}: ${JSON.stringify(counts)}; converged ${ms} ms after the last action`);
    console.log(
      `      registrar RSS ${before.rss.toFixed(1)} MiB at start, ${after.rss.toFixed(1)} MiB at end (peak ${after.peak.toFixed(1)} MiB)`,
    );
    expect(registrar.alive).to.equal(true);
    expect(after.rss, 'memory stays flat').to.be.below(before.rss * 1.5 + 16);
  });
});

/** A small seeded generator, so a failing run can be replayed with CHURN_SEED. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}
