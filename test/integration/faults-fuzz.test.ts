// 200 random SERVICE_* label and env sets on real containers: the registrar stays up and every
// registration the model says is valid ends up in Consul (and nothing else of this host's).
// On dockerd they run on a dockerd of the suite's own: once, the machine's dockerd 20.10 stopped
// answering removals after these 200 containers, and every later suite failed with it.
import type Docker from 'dockerode';
import { expect } from 'chai';
import fc from 'fast-check';
import { defaultSettings } from '../../src/config.js';
import { inspectFacts } from '../../src/docker/inspect.js';
import { aliasPrimary } from '../../src/model/aliases.js';
import { planContainer } from '../../src/model/plan.js';
import type { Registration } from '../../src/model/registration.js';
import { aimed, settings } from '../support/label-arbitrary.js';
import { PrivateDockerd } from '../support/private-dockerd.js';
import { isFullPass, RegistrarProcess } from '../support/registrar-process.js';
import {
  agentServices,
  cleanup,
  daemonLogs,
  docker,
  ENGINE,
  inBatches,
  requireRig,
  runContainer,
  uniqueName,
  waitFor,
} from '../support/rig.js';

const COUNT = Number(process.env.FUZZ_CONTAINERS ?? 200);
const PORTS = ['80', '8080', '53/udp', '9000'];

describe('faults: random labels on real containers', function () {
  this.timeout(300_000);
  const hostId = uniqueName('fuzz-host');
  let registrar: RegistrarProcess;
  const own = ENGINE === 'docker' ? new PrivateDockerd({ bridge: 'crfuzz0', subnet: '10.96.3.1/24' }) : undefined;
  const engine: Docker = own?.engine ?? docker;
  const logs = () => (own ? own.logTail() : daemonLogs());

  before(async () => {
    await requireRig();
    if (!own) return;
    await own.start();
    own.loadTestImage();
  });
  after(async () => {
    await registrar?.stop('SIGKILL');
    await (own ? own.destroy() : cleanup());
    await cleanup([hostId]);
  });

  it(`stays up through ${COUNT} random label sets and registers every valid service`, async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 100_000);
    const cases = fc.sample(fc.tuple(aimed, settings, settings, fc.subarray(PORTS)), { numRuns: COUNT, seed });
    registrar = new RegistrarProcess(['--host-id', hostId, '--resync', '5'], own ? { DOCKER_HOST: own.host } : {});
    await registrar.waitForLog('first pass', isFullPass);

    const ids: string[] = [];
    let refusedByDocker = 0;
    await inBatches(cases, 8, async ([aimedLabels, labels, env, expose], i) => {
      try {
        const container = await runContainer(
          { name: `${hostId}-c${i}`, cmd: ['sleep', '600'], labels: clean({ ...aimedLabels, ...labels }), env: clean(env, true), expose },
          engine,
        );
        ids.push(container.id);
      } catch {
        refusedByDocker++; // Docker itself may refuse a hostile label; that container simply does not exist
      }
    });

    const plans = await Promise.all(
      ids.map(async (id) => planContainer((await inspectFacts(engine, id))!, { ...defaultSettings().model, hostId, hostIp: '127.0.0.1' })),
    );
    // Compared regardless of case: two containers asking for "critical" and "Critical" get one service
    // (Consul's catalog merges IDs that differ only in case, so the registrar gives it to one of them).
    // An alias follows its own service: where several containers ask for that service's ID, only the
    // holder's aliases are registered (the others get alias-primary-refused), and which one holds it is
    // start order, so those aliases may be there or not.
    const askers = new Map<string, number>();
    for (const p of plans) {
      for (const id of new Set(p.registrations.filter((r) => !aliasPrimary(r)).map((r) => r.ID.toLowerCase())))
        askers.set(id, (askers.get(id) ?? 0) + 1);
    }
    const contested = (r: Registration) => (askers.get(aliasPrimary(r)?.toLowerCase() ?? '') ?? 0) > 1;
    const registrations = plans.flatMap((p) => p.registrations);
    const optional = new Set(registrations.filter(contested).map((r) => r.ID.toLowerCase()));
    const expected = new Set(registrations.map((r) => r.ID.toLowerCase()).filter((id) => !optional.has(id)));
    let owned = new Set<string>();
    await waitFor(
      `all ${expected.size} valid services registered`,
      async () => {
        owned = new Set(Object.keys(await agentServices(`Meta.registrar_host == "${hostId}"`)).map((id) => id.toLowerCase()));
        return [...expected].every((id) => owned.has(id)) && [...owned].every((id) => expected.has(id) || optional.has(id));
      },
      60_000,
      500,
    ).catch((err: Error) => {
      const missing = [...expected].filter((id) => !owned.has(id)).slice(0, 5);
      const stale = [...owned].filter((id) => !expected.has(id) && !optional.has(id)).slice(0, 5);
      throw new Error(
        `${err.message} (seed ${seed}); missing e.g. ${JSON.stringify(missing)}, stale e.g. ${JSON.stringify(stale)}\n${registrar.tail()}\n${logs()}`,
      );
    });
    const refusals = registrar.logs.filter((l) => l.level >= 50);
    console.log(
      `      seed ${seed}: ${ids.length} containers (${refusedByDocker} refused by Docker), ${expected.size} services, ${plans.filter((p) => p.skipped).length} skipped by the model, ${refusals.length} Consul refusals`,
    );
    expect(registrar.alive).to.equal(true);
    expect(
      refusals.map((l) => l.msg),
      'the model sends nothing Consul refuses',
    ).to.deep.equal([]);
  });
});

/** Drops what no Docker API client can send: NUL bytes anywhere, '=' in an env var's name. */
function clean(values: Record<string, string>, env = false): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).filter(([k, v]) => !k.includes('\0') && !v.includes('\0') && !(env && (k.includes('=') || k === ''))),
  );
}
