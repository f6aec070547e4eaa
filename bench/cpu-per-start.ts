// CPU per container start and per stop, for the registrar or a floor: CPU_N containers (40) started
// CPU_PARALLEL (8) at a time, then stopped, under one process; its CPU (user + sys, from /proc) over
// each phase, less what it burns idle over as long, divided by the containers. CPU per unit of work
// is steadier than latency on a loaded machine. CPU_ROUNDS (3) rounds; CPU_FLOOR=py or node measures
// that floor instead, node-guard the Node floor with the guard's read of the agent added (FLOOR_GUARD). Run with `npm run build && npx tsx bench/cpu-per-start.ts` on the rig.
import { fileURLToPath } from 'node:url';
import { IMAGE, TEST_LABEL, docker, requireRig, uniqueName } from '../test/support/rig.js';
import { isFullPass, RegistrarProcess } from '../test/support/registrar-process.js';
import { envInt, pool, usage } from './support.js';

const N = envInt('CPU_N', 40);
const PARALLEL = envInt('CPU_PARALLEL', 8);
const ROUNDS = envInt('CPU_ROUNDS', 3);
const IDLE_MS = 5000;
const FLOORS: Record<string, string> = {
  py: fileURLToPath(new URL('./floor.py', import.meta.url)),
  node: fileURLToPath(new URL('./floor.mjs', import.meta.url)),
  'node-guard': fileURLToPath(new URL('./floor.mjs', import.meta.url)),
};
const floor = process.env.CPU_FLOOR ? FLOORS[process.env.CPU_FLOOR] : undefined;
const never = new AbortController().signal;

function spawn(hostId: string): RegistrarProcess {
  return floor
    ? new RegistrarProcess([hostId], process.env.CPU_FLOOR === 'node-guard' ? { FLOOR_GUARD: '1' } : {}, [], floor)
    : new RegistrarProcess(['--host-id', hostId, '--resync', '0', '--log-level', 'info']);
}

/** CPU seconds the process spends over `phase`, and how long the phase took. */
async function measured(pid: number, phase: () => Promise<unknown>): Promise<{ cpuS: number; s: number }> {
  const [cpu, t] = [usage(pid).cpuS, performance.now()];
  await phase();
  return { cpuS: usage(pid).cpuS - cpu, s: (performance.now() - t) / 1000 };
}

async function round(): Promise<string> {
  const host = uniqueName('cpu');
  const registrar = spawn(host);
  try {
    await registrar.waitForLog('its first full pass', isFullPass, 60_000);
    const names = Array.from({ length: N }, (_, i) => `${host}-${i}`);
    const ids = await pool(names, PARALLEL, never, async (name) => {
      const labels = { [TEST_LABEL]: '1', SERVICE_NAME: name };
      const config = { ExposedPorts: { '8080/tcp': {} }, HostConfig: { NetworkMode: 'bridge' } };
      return (await docker.createContainer({ name, Image: IMAGE, Cmd: ['sleep', '3600'], Labels: labels, ...config })).id;
    });
    const idle = await measured(registrar.pid, () => new Promise((r) => setTimeout(r, IDLE_MS)));
    const idlePerS = idle.cpuS / idle.s;
    const logged = (event: string) => (id: string) => registrar.waitForLog(event, (l) => l.event === event && l.containerId === id, 60_000);
    const start = await measured(registrar.pid, async () => {
      await pool(ids, PARALLEL, never, (id) => docker.getContainer(id).start());
      await Promise.all(ids.map(logged('registered')));
    });
    const stop = await measured(registrar.pid, async () => {
      await pool(ids, PARALLEL, never, (id) => docker.getContainer(id).stop({ t: 0 }));
      await Promise.all(ids.map(logged('deregistered')));
    });
    const per = (p: { cpuS: number; s: number }) => (((p.cpuS - idlePerS * p.s) / N) * 1000).toFixed(2);
    return (
      `idle ${(idlePerS * 1000).toFixed(1)} ms/s; ${N} starts in ${start.s.toFixed(1)} s: ${per(start)} ms CPU each; ` +
      `${N} stops in ${stop.s.toFixed(1)} s: ${per(stop)} ms CPU each`
    );
  } finally {
    await registrar.stop();
    const mine = await docker.listContainers({ all: true, filters: { name: [host] } });
    await pool(mine, 16, never, (c) => docker.getContainer(c.Id).remove({ force: true }));
  }
}

async function main(): Promise<void> {
  await requireRig();
  const what = process.env.CPU_FLOOR ? `${process.env.CPU_FLOOR} floor` : 'ours';
  for (let r = 1; r <= ROUNDS; r++) process.stdout.write(`${what}, round ${r}: ${await round()}\n`);
}

main().then(
  () => process.exit(),
  (err: unknown) => {
    process.stderr.write(`cpu-per-start: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
