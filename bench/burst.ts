// Benchmark on the real rig (scripts/rig/up.sh): how fast the built registrar follows a burst of
// container starts and stops on the user's clock (the `docker start`/`stop` call returned → the
// address is in / gone from the catalog, seen by a blocking query on /v1/catalog/service/<name>)
// and on the event clock (Docker's event → the registrar's log line), what it costs in CPU and
// memory, and how long its start over many running containers takes. Every burst runs
// BENCH_ROUNDS times for the registrar and for two floors (the least a registrar can do):
// bench/floor.py, which shares nothing with Node, and bench/floor.mjs, which pays Node's costs
// too; interleaved round by round, figures given as ratios to each floor with the spread over
// rounds as the noise, and the goals checked against the Python floor. Run with `npm run bench`;
// BENCH_N, BENCH_PARALLEL, BENCH_ROUNDS, BENCH_STARTUP_N, BENCH_M_PARALLEL and BENCH_BUDGET_S tune
// it; REGISTRAR_NODE_FLAGS replaces the CLI's shebang flags (to measure what they are worth).
// Prints a table, then one JSON line with every figure.
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { CONSUL, IMAGE, TEST_LABEL, agentServices, deregister, docker, requireRig, uniqueName, waitFor } from '../test/support/rig.js';
import { isFullPass, RegistrarProcess, SHEBANG_FLAGS, type LogLine } from '../test/support/registrar-process.js';
import { envInt, pool, PrivateMemory, usage, userClock } from './support.js';

const N = envInt('BENCH_N', 50);
const ROUNDS = envInt('BENCH_ROUNDS', 3);
const FLOORS = {
  pyfloor: fileURLToPath(new URL('./floor.py', import.meta.url)),
  nodefloor: fileURLToPath(new URL('./floor.mjs', import.meta.url)),
};
const PARALLEL = envInt('BENCH_PARALLEL', 8);
// 1,000 is the goal's figure, but Docker starts ~5 containers a second on this 2-core machine when loaded:
// 1,000 would not fit the 6-minute run, so the default is 300 (BENCH_STARTUP_N=1000 for the full figure).
const M = envInt('BENCH_STARTUP_N', 300);
const M_PARALLEL = envInt('BENCH_M_PARALLEL', 16);
// The whole run stops (and cleans up) past this, so a stuck phase cannot hang the machine.
const BUDGET_S = envInt('BENCH_BUDGET_S', 480);
const PORT = '8080';
const BENCH_LABEL = 'consul-registrar-bench';
const NODE_FLAGS = process.env.REGISTRAR_NODE_FLAGS ?? SHEBANG_FLAGS.join(' ');

/** Goals on the user's clock against the Python floor. */
const GOALS = { p50Ratio: 1.3, p99OverMs: 150, cpuRatio: 2, peakRssMiB: 48, startupRatio: 1.3 };

const benchStart = performance.now();
const runId = uniqueName('bench');
type Kind = 'registrar' | 'pyfloor' | 'nodefloor';
const KINDS: Kind[] = ['registrar', 'pyfloor', 'nodefloor'];
const LABELS: Record<Kind, string> = { registrar: 'ours', pyfloor: 'py floor', nodefloor: 'node floor' };
const hostOf = (kind: Kind, what: string) => `${runId}-${kind}-${what}`;
const registrars = new Set<RegistrarProcess>();
const privateMemory = new PrivateMemory(() => [...registrars].map((r) => r.pid));
/** Phases during which other registrars or test runs were seen on this machine. */
const disturbed = new Set<string>();
/** The 1-minute load average at the start of each phase, to quote beside its figures. */
const loads: Record<string, number> = {};
let phase = 'setup';

interface Latencies {
  p50: number;
  p99: number;
  max: number;
  n: number;
}

interface BurstResults {
  /** User's clock: the start call returned → the address in the catalog; the stop call returned → gone. */
  userStart: Latencies;
  userStop: Latencies;
  /** Event clock: Docker's start/die event → the registered/deregistered log line. */
  eventStart: Latencies;
  eventStop: Latencies;
  cpuStartupS: number;
  cpuS: number;
  peakRssMiB: number;
  peakPrivateMiB: number;
}

interface Startup {
  /** Process spawned → every one of the M containers in the catalog. */
  ms: number;
  passMs: number;
  cpuS: number;
  peakRssMiB: number;
  writes: number;
}

interface Results {
  rounds: ({ kind: Kind; round: number } & BurstResults)[];
  startup: Partial<Record<Kind, Startup>>;
  /** Our second start over the same M containers, all in place (nothing to write). */
  restart?: Startup;
}

// ---------------------------------------------------------------------------------------------
// Measuring tools

/** Nearest-rank percentiles: with 50 samples p99 is the largest one, never an interpolation. */
function latencies(samples: number[]): Latencies {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return { p50: round(rank(50)), p99: round(rank(99)), max: round(rank(100)), n: sorted.length };
}

/**
 * Docker's own timestamps (ms since epoch, from `timeNano`) of the start and die events of this
 * run's containers. Docker and the registrar run on this host, so both read the same clock.
 */
async function followEvents(): Promise<{ start: Map<string, number>; die: Map<string, number>; close: () => void }> {
  const start = new Map<string, number>();
  const die = new Map<string, number>();
  const stream = (await docker.getEvents({
    filters: { type: ['container'], event: ['start', 'die'], label: [`${BENCH_LABEL}=${runId}`] },
  })) as Readable;
  createInterface({ input: stream }).on('line', (line) => {
    const event = JSON.parse(line) as { Action: string; Actor: { ID: string }; timeNano: number };
    const times = event.Action === 'start' ? start : die;
    if (!times.has(event.Actor.ID)) times.set(event.Actor.ID, event.timeNano / 1e6);
  });
  return { start, die, close: () => stream.destroy() };
}

// ---------------------------------------------------------------------------------------------
// Registrar processes and containers

function spawnRegistrar(kind: Kind, hostId: string): RegistrarProcess {
  const registrar =
    kind === 'registrar'
      ? new RegistrarProcess(['--host-id', hostId, '--resync', '0', '--log-level', 'info'])
      : new RegistrarProcess([hostId], {}, [], FLOORS[kind]);
  registrars.add(registrar);
  return registrar;
}

async function startRegistrar(kind: Kind, hostId: string): Promise<{ registrar: RegistrarProcess; pass: LogLine }> {
  const registrar = spawnRegistrar(kind, hostId);
  const pass = await registrar.waitForLog('its first full pass', isFullPass, 180_000);
  return { registrar, pass };
}

async function stopRegistrar(registrar: RegistrarProcess): Promise<void> {
  await registrar.stop();
  registrars.delete(registrar);
}

async function createContainer(name: string, service: string): Promise<string> {
  const container = await docker.createContainer({
    name,
    Image: IMAGE,
    Cmd: ['sleep', '3600'],
    Labels: { [TEST_LABEL]: '1', SERVICE_NAME: service, [BENCH_LABEL]: runId },
    ExposedPorts: { [`${PORT}/tcp`]: {} },
    HostConfig: { NetworkMode: 'bridge' },
  });
  return container.id;
}

/** The `time` of the registrar's `registered` or `deregistered` log line for a container (its event field). */
async function logTime(registrar: RegistrarProcess, verb: 'registered' | 'deregistered', id: string): Promise<number> {
  const line = await registrar.waitForLog(`${verb} for ${id.slice(0, 12)}`, (l) => l.event === verb && l.containerId === id, 30_000);
  return line.time;
}

function eventTime(times: Map<string, number>, what: string, id: string): Promise<number> {
  return waitFor(`the ${what} event of ${id.slice(0, 12)}`, async () => times.get(id), 10_000);
}

function progress(message: string): void {
  process.stderr.write(`bench [${((performance.now() - benchStart) / 1000).toFixed(1)} s]: ${message}\n`);
}

async function removeMine(): Promise<void> {
  const mine = await docker.listContainers({ all: true, filters: { label: [`${BENCH_LABEL}=${runId}`] } });
  await pool(mine, M_PARALLEL, new AbortController().signal, (c) => docker.getContainer(c.Id).remove({ force: true }));
}

// ---------------------------------------------------------------------------------------------
// Phases

/**
 * Burst of starts, then of stops, under one registrar (or floor). The containers are created
 * beforehand (creation is not the registrar's business); each start and stop is timed by the
 * user's clock, PARALLEL at a time, and by the event clock from the same starts and stops.
 */
async function burstPhase(signal: AbortSignal, kind: Kind, round: number): Promise<BurstResults> {
  const { registrar } = await startRegistrar(kind, hostOf(kind, `b${round}`));
  const { cpuS: cpuStartupS } = usage(registrar.pid);
  const events = await followEvents();
  const prefix = `${runId}-${kind[0]}${round}b`;
  try {
    const names = Array.from({ length: N }, (_, i) => `${prefix}${i}`);
    const ids = await pool(names, PARALLEL, signal, (name) => createContainer(name, name));
    progress(`${LABELS[kind]}, round ${round}: starting ${N} containers, ${PARALLEL} at a time`);
    const userStart = await pool(names, PARALLEL, signal, (name, i) =>
      userClock(name, true, signal, () => docker.getContainer(ids[i]!).start()),
    );
    const registered = await Promise.all(ids.map((id) => logTime(registrar, 'registered', id)));
    const started = await Promise.all(ids.map((id) => eventTime(events.start, 'start', id)));

    progress(`${LABELS[kind]}, round ${round}: stopping them (t=0), ${PARALLEL} at a time`);
    const userStop = await pool(names, PARALLEL, signal, (name, i) =>
      userClock(name, false, signal, () => docker.getContainer(ids[i]!).stop({ t: 0 })),
    );
    const deregistered = await Promise.all(ids.map((id) => logTime(registrar, 'deregistered', id)));
    const died = await Promise.all(ids.map((id) => eventTime(events.die, 'die', id)));

    const { cpuS, peakRssMiB } = usage(registrar.pid);
    return {
      userStart: latencies(userStart),
      userStop: latencies(userStop),
      eventStart: latencies(ids.map((_, i) => registered[i]! - started[i]!)),
      eventStop: latencies(ids.map((_, i) => deregistered[i]! - died[i]!)),
      cpuStartupS,
      cpuS,
      peakRssMiB,
      peakPrivateMiB: privateMemory.peakMiB(registrar.pid),
    };
  } finally {
    events.close();
    await stopRegistrar(registrar);
    // The stopped containers go; the next round starts from the same state.
    await removeMine();
  }
}

/** Names of this run's start-up services in the catalog, by blocking queries, until `done` says so. */
async function catalogCount(prefix: string, done: (count: number) => boolean, signal: AbortSignal): Promise<number> {
  let index = '0';
  for (;;) {
    signal.throwIfAborted();
    const res = await fetch(`${CONSUL}/catalog/services?index=${index}&wait=30s`, { signal });
    const now = performance.now();
    const count = Object.keys((await res.json()) as object).filter((n) => n.startsWith(prefix)).length;
    if (done(count)) return now;
    index = res.headers.get('x-consul-index') ?? index;
  }
}

/**
 * Start-up over M running containers (each its own service name), for each kind in turn: the
 * process spawned → every one of them in the catalog. Then our restart over the same containers.
 */
async function startupPhase(signal: AbortSignal): Promise<Pick<Results, 'startup' | 'restart'>> {
  progress(`starting ${M} containers, ${M_PARALLEL} at a time`);
  const prefix = `${runId}-s`;
  const names = Array.from({ length: M }, (_, i) => `${prefix}${i}`);
  await pool(names, M_PARALLEL, signal, async (name) => {
    await docker.getContainer(await createContainer(name, name)).start();
  });
  const startup = measured.startup!;
  const one = async (kind: Kind, hostId: string): Promise<Startup> => {
    await expectRunning(M);
    const spawned = performance.now();
    const registrar = spawnRegistrar(kind, hostId);
    const all = await catalogCount(prefix, (count) => count === M, signal);
    const pass = await registrar.waitForLog('its first full pass', isFullPass, 180_000);
    const { cpuS, peakRssMiB } = usage(registrar.pid);
    await stopRegistrar(registrar);
    const writes = registrar.logs.filter((l) => l.event === 'registered').length;
    return { ms: Math.round(all - spawned), passMs: Number(pass.ms), cpuS, peakRssMiB, writes };
  };
  const clear = async (hostId: string) => {
    const services = Object.keys(await agentServices(`ID matches "^${hostId}"`));
    await pool(services, M_PARALLEL, signal, deregister);
    await catalogCount(prefix, (count) => count === 0, signal);
  };
  let restart: Startup | undefined;
  for (const kind of ['pyfloor', 'registrar', 'nodefloor'] as const) {
    progress(`${LABELS[kind]}: start-up over ${M} running containers`);
    startup[kind] = await one(kind, hostOf(kind, 'start'));
    if (kind === 'registrar') {
      progress('ours again: a restart over them (nothing to write)');
      const spawned = performance.now();
      const again = await startRegistrar(kind, hostOf(kind, 'start'));
      const { cpuS, peakRssMiB } = usage(again.registrar.pid);
      await stopRegistrar(again.registrar);
      const writes = again.registrar.logs.filter((l) => l.event === 'registered').length;
      restart = { ms: Math.round(performance.now() - spawned), passMs: Number(again.pass.ms), cpuS, peakRssMiB, writes };
    }
    await clear(hostOf(kind, 'start'));
  }
  return { startup, ...(restart ? { restart } : {}) };
}

/** The rig is shared: tests' cleanup() removes every test container, ours included. */
async function expectRunning(count: number): Promise<void> {
  const running = await docker.listContainers({ filters: { label: [`${BENCH_LABEL}=${runId}`], status: ['running'] } });
  if (running.length !== count)
    throw new Error(`${running.length} of this run's ${count} containers are running: something else on the rig stopped or removed them`);
}

/** Other registrars and test runs on this machine: they compete for the 2 cores and the rig. */
function othersOnMachine(): string[] {
  const mine = new Set([process.pid, ...[...registrars].map((r) => r.pid)]);
  return (
    readdirSync('/proc')
      .filter((pid) => /^\d+$/.test(pid) && !mine.has(Number(pid)))
      .map((pid) => {
        try {
          return [pid, ...readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')];
        } catch {
          return []; // exited meanwhile
        }
      })
      // Node processes only: a shell or a grep that merely names them costs nothing.
      .filter(([, argv0 = '', ...args]) => /(^|\/)node$/.test(argv0) && args.some((arg) => /dist\/cli\.js$|mocha/.test(arg)))
      .map((argv) => argv.join(' ').trim())
  );
}

/** What the run has measured so far: a run cut short still reports its bursts. */
const measured: Partial<Results> & Pick<Results, 'rounds'> = { rounds: [], startup: {} };

async function runBench(signal: AbortSignal): Promise<Results> {
  await requireRig();
  enterPhase('burst');
  const rounds = measured.rounds;
  // Interleaved round by round, so that a drift of the machine hits all three alike.
  for (let round = 1; round <= ROUNDS; round++)
    for (const kind of KINDS) rounds.push({ kind, round, ...(await burstPhase(signal, kind, round)) });
  enterPhase('startup');
  Object.assign(measured, await startupPhase(signal));
  enterPhase('cleanup');
  return measured as Results;
}

function enterPhase(name: string): void {
  phase = name;
  loads[name] = Math.round(loadavg()[0]! * 100) / 100;
  noteNeighbours();
}

function noteNeighbours(): void {
  const others = othersOnMachine();
  if (others.length === 0 || disturbed.has(phase)) return;
  disturbed.add(phase);
  progress(`WARNING: the ${phase} phase shares this machine with:\n  ${others.join('\n  ')}`);
}

/**
 * Removes every bench container (this run's and any a crashed run left) and the services of this
 * run's host IDs. Not rig's cleanup(): that removes every test container, and tests may be
 * running on the same rig.
 */
async function removeBenchArtifacts(): Promise<void> {
  const never = new AbortController().signal;
  const containers = await docker.listContainers({ all: true, filters: { label: [BENCH_LABEL] } });
  await pool(containers, M_PARALLEL, never, (c) =>
    docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => undefined),
  );
  // Every host ID of this run starts with the run's ID.
  const services = Object.keys(await agentServices(`ID matches "^${runId}"`));
  await pool(services, M_PARALLEL, never, deregister);
}

// ---------------------------------------------------------------------------------------------
// Report

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const FIGURES: [string, (b: BurstResults) => number][] = [
  ['user: start → in catalog p50 ms', (b) => b.userStart.p50],
  ['user: start → in catalog p99 ms', (b) => b.userStart.p99],
  ['user: stop → out of catalog p50', (b) => b.userStop.p50],
  ['user: stop → out of catalog p99', (b) => b.userStop.p99],
  ['event: start → registered p50', (b) => b.eventStart.p50],
  ['event: start → registered p99', (b) => b.eventStart.p99],
  ['event: die → deregistered p50', (b) => b.eventStop.p50],
  ['CPU s per burst (after start-up)', (b) => b.cpuS - b.cpuStartupS],
  ['peak RSS MiB', (b) => b.peakRssMiB],
  ['peak private MiB', (b) => b.peakPrivateMiB],
];

function of(r: Results, kind: Kind, pick: (b: BurstResults) => number): number[] {
  return r.rounds.filter((x) => x.kind === kind).map(pick);
}

/** Median over rounds of one figure for each kind, with its spread, and our ratio to each floor. */
function versusFloors(r: Results): string[] {
  // Two decimals below 1 (CPU seconds): one would hide a 2x difference between 0.15 and 0.24.
  const fixed = (x: number, xs: number[]) => x.toFixed(median(xs) < 1 ? 2 : 1);
  const cell = (xs: number[]) => `${fixed(median(xs), xs)} [${fixed(Math.min(...xs), xs)}–${fixed(Math.max(...xs), xs)}]`;
  const row = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(33) : i < 4 ? c.padStart(20) : c.padStart(8))).join(' ');
  return [
    `burst of ${N}, ${PARALLEL} at a time, ${ROUNDS} interleaved rounds (load ${loads.burst}): median [min–max over rounds]`,
    row(['', 'ours', 'py floor', 'node floor', '/py', '/node']),
    ...FIGURES.map(([name, pick]) => {
      const [mine, py, nodeFloor] = KINDS.map((k) => of(r, k, pick)) as [number[], number[], number[]];
      const ratio = (xs: number[]) => (median(mine) / median(xs)).toFixed(2);
      return row([name, cell(mine), cell(py), cell(nodeFloor), ratio(py), ratio(nodeFloor)]);
    }),
  ];
}

interface Goal {
  name: string;
  value: string;
  limit: string;
  met: boolean;
}

function goals(r: Results): Goal[] {
  const m = (kind: Kind, pick: (b: BurstResults) => number) => median(of(r, kind, pick));
  const [p50, p50Py] = [m('registrar', FIGURES[0]![1]), m('pyfloor', FIGURES[0]![1])];
  const [p99, p99Py] = [m('registrar', FIGURES[1]![1]), m('pyfloor', FIGURES[1]![1])];
  const [cpu, cpuPy] = [m('registrar', FIGURES[7]![1]), m('pyfloor', FIGURES[7]![1])];
  const rss = m('registrar', FIGURES[8]![1]);
  const start = (r.startup.registrar?.ms ?? NaN) / (r.startup.pyfloor?.ms ?? NaN);
  return [
    {
      name: 'user p50 vs py floor',
      value: `${(p50 / p50Py).toFixed(2)}x`,
      limit: `≤ ${GOALS.p50Ratio}x`,
      met: p50 / p50Py <= GOALS.p50Ratio,
    },
    { name: 'user p99 vs py floor', value: `${p99} ms`, limit: `≤ ${p99Py} + ${GOALS.p99OverMs} ms`, met: p99 <= p99Py + GOALS.p99OverMs },
    {
      name: 'CPU per burst vs py floor',
      value: `${(cpu / cpuPy).toFixed(2)}x`,
      limit: `≤ ${GOALS.cpuRatio}x`,
      met: cpu / cpuPy <= GOALS.cpuRatio,
    },
    { name: 'peak RSS', value: `${rss} MiB`, limit: `≤ ${GOALS.peakRssMiB} MiB`, met: rss <= GOALS.peakRssMiB },
    {
      name: `start-up over ${M} vs py floor`,
      value: `${start.toFixed(2)}x`,
      limit: `≤ ${GOALS.startupRatio}x`,
      met: start <= GOALS.startupRatio,
    },
  ];
}

function report(r: Results, totalS: number): string {
  const s = (kind: Kind, x: Startup | undefined = r.startup[kind]) =>
    `${LABELS[kind].padEnd(12)} ${`${x?.ms}`.padStart(7)} ms to all in the catalog (its pass ${x?.passMs} ms), ` +
    `${x?.cpuS.toFixed(2)} s CPU, peak RSS ${x?.peakRssMiB} MiB, ${x?.writes} writes`;
  return [
    `consul-registrar benchmark, user's clock: ${totalS.toFixed(0)} s in all; ours run as node ${NODE_FLAGS || '(no flags)'} dist/cli.js`,
    '',
    ...versusFloors(r),
    '',
    `start-up over ${M} running containers, process spawned → all in the catalog (load ${loads.startup}):`,
    ...KINDS.map((k) => `  ${s(k)}`),
    ...(r.restart
      ? [
          `  ${'ours again'.padEnd(12)} ${`${r.restart.ms}`.padStart(7)} ms to its pass's end (pass ${r.restart.passMs} ms, nothing to write), ` +
            `${r.restart.cpuS.toFixed(2)} s CPU, peak RSS ${r.restart.peakRssMiB} MiB`,
        ]
      : []),
    '',
    "goals (user's clock, against the Python floor):",
    ...goals(r).map((g) => `  ${g.name.padEnd(32)} ${g.value.padStart(9)}  ${g.limit.padEnd(20)} ${g.met ? 'MET' : 'NOT MET'}`),
    ...(disturbed.size > 0
      ? ['', `WARNING: other registrars or test runs shared the machine during: ${[...disturbed].join(', ')}; those figures are skewed`]
      : []),
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
}

async function main(): Promise<void> {
  const abort = new AbortController();
  const budget = setTimeout(() => abort.abort(new Error(`the run went over its ${BUDGET_S} s budget (BENCH_BUDGET_S)`)), BUDGET_S * 1000);
  process.once('SIGINT', () => abort.abort(new Error('interrupted')));
  const sampler = setInterval(noteNeighbours, 2000);
  const run = runBench(abort.signal);
  let results: Results | undefined;
  try {
    results = await Promise.race([run, rejectOnAbort(abort.signal)]);
  } catch (err) {
    process.stderr.write(`bench failed: ${(err as Error).message}\n`);
    process.exitCode = 1;
    if (KINDS.every((kind) => measured.rounds.some((r) => r.kind === kind))) results = measured as Results;
  } finally {
    abort.abort();
    // Let calls still in flight land (bounded) so that cleanup sees every container they made.
    await Promise.race([run.catch(() => undefined), new Promise((r) => setTimeout(r, 20_000))]);
    await Promise.all([...registrars].map((r) => r.stop()));
    progress('cleaning up');
    await removeBenchArtifacts();
    clearInterval(sampler);
    clearTimeout(budget);
  }
  const totalS = (performance.now() - benchStart) / 1000;
  if (results) {
    const json = { runId, N, PARALLEL, ROUNDS, M, nodeFlags: NODE_FLAGS, loads, goals: goals(results), ...results };
    process.stdout.write(JSON.stringify({ ...json, totalS: Math.round(totalS), disturbedPhases: [...disturbed] }) + '\n');
    process.stdout.write(report(results, totalS) + '\n');
  }
}

main().then(
  () => process.exit(),
  (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
