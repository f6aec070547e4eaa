// Benchmark on the real rig (scripts/rig/up.sh): how fast the built registrar follows a burst of
// container starts and stops, how long a full pass over many containers takes, and what the
// registrar costs in CPU and memory. The burst runs BENCH_ROUNDS times for the registrar and as
// many for the floor (bench/floor.mjs, the least a registrar can do), interleaved, and figures are
// given as ratios to the floor's with the spread over rounds as the noise. Run with `npm run
// bench`; BENCH_N, BENCH_PARALLEL, BENCH_ROUNDS, BENCH_M, BENCH_M_PARALLEL and BENCH_BUDGET_S tune
// it. Prints a table, then one JSON line with every figure.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { CONSUL, agentServices, deregister, docker, requireRig, runContainer, uniqueName, waitFor } from '../test/support/rig.js';
import { isFullPass, RegistrarProcess, type LogLine } from '../test/support/registrar-process.js';
import { envInt, pool, PrivateMemory, usage } from './support.js';

const N = envInt('BENCH_N', 50);
const ROUNDS = envInt('BENCH_ROUNDS', 3);
const FLOOR = fileURLToPath(new URL('./floor.mjs', import.meta.url));
const PARALLEL = envInt('BENCH_PARALLEL', 8);
const M = envInt('BENCH_M', 500);
const M_PARALLEL = envInt('BENCH_M_PARALLEL', 16);
// The whole run stops (and cleans up) past this, so a stuck phase cannot hang the machine.
const BUDGET_S = envInt('BENCH_BUDGET_S', 480);
const PORT = '8080';
const BENCH_LABEL = 'consul-registrar-bench';

const TARGETS = { registerP50: 30, registerP99: 600, deregisterP99: 50, peakRssMiB: 64 };

const benchStart = performance.now();
const runId = uniqueName('bench');
const burstHost = (kind: Kind, round: number) => `${runId}-${kind}${round}`;
type Kind = 'registrar' | 'floor';
const resyncHost = `${runId}-resync`;
const registrars = new Set<RegistrarProcess>();
const privateMemory = new PrivateMemory(() => [...registrars].map((r) => r.pid));
/** Phases during which other registrars or test runs were seen on this machine. */
const disturbed = new Set<string>();
let phase = 'setup';

interface Latencies {
  p50: number;
  p99: number;
  max: number;
  n: number;
}

interface Pass {
  containers: number;
  failed: number;
  ms: number;
  writes: number;
}

type BurstResults = Pick<
  Results,
  | 'register'
  | 'registerCatalog'
  | 'deregister'
  | 'deregisterCatalog'
  | 'cpuStartupS'
  | 'cpuS'
  | 'startupRssMiB'
  | 'peakRssMiB'
  | 'peakPrivateMiB'
>;
type ResyncResults = Pick<Results, 'firstPass' | 'secondPass' | 'resyncPeakRssMiB' | 'resyncPeakPrivateMiB' | 'floorPass'>;

interface Results {
  /** Each round's burst of each, in the order run. */
  rounds: ({ kind: Kind; round: number } & BurstResults)[];
  register: Latencies;
  registerCatalog: Latencies;
  deregister: Latencies;
  deregisterCatalog: Latencies;
  cpuStartupS: number;
  cpuS: number;
  startupRssMiB: number;
  peakRssMiB: number;
  /** Peak private (anonymous) memory: RSS without the shared pages of Node's binary. */
  peakPrivateMiB: number;
  firstPass: Pass;
  secondPass: Pass;
  resyncPeakRssMiB: number;
  /** The floor's start over the same M containers: list, inspect and register each, 8 at a time. */
  floorPass: Pass & { cpuS: number; peakRssMiB: number; peakPrivateMiB: number; firstPassCpuS: number };
  resyncPeakPrivateMiB: number;
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

/**
 * Cross-check of the log-based figures: when each service name of this run appears in and leaves
 * Consul's catalog, seen through blocking queries (so no polling interval, but the bench's own
 * event loop and Consul's anti-entropy sync are in the figure).
 */
function watchCatalog(prefix: string): { seen: Map<string, number>; gone: Map<string, number>; stop: () => Promise<void> } {
  const seen = new Map<string, number>();
  const gone = new Map<string, number>();
  const abort = new AbortController();
  const loop = (async () => {
    let index = '0';
    while (!abort.signal.aborted) {
      const res = await fetch(`${CONSUL}/catalog/services?index=${index}&wait=10s`, { signal: abort.signal }).catch(() => undefined);
      const now = Date.now();
      if (!res?.ok) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      index = res.headers.get('x-consul-index') ?? index;
      const names = new Set(Object.keys((await res.json()) as object).filter((n) => n.startsWith(prefix)));
      for (const name of names) if (!seen.has(name)) seen.set(name, now);
      for (const name of seen.keys()) if (!names.has(name) && !gone.has(name)) gone.set(name, now);
    }
  })();
  const stop = () => {
    abort.abort();
    return loop;
  };
  return { seen, gone, stop };
}

// ---------------------------------------------------------------------------------------------
// Registrar processes and containers

async function startRegistrar(hostId: string, kind: Kind = 'registrar'): Promise<{ registrar: RegistrarProcess; pass: LogLine }> {
  const registrar =
    kind === 'floor'
      ? new RegistrarProcess([hostId], {}, [], FLOOR)
      : new RegistrarProcess(['--host-id', hostId, '--resync', '0', '--log-level', 'info']);
  registrars.add(registrar);
  const pass = await registrar.waitForLog('its first full pass', isFullPass, 180_000);
  return { registrar, pass };
}

async function stopRegistrar(registrar: RegistrarProcess): Promise<void> {
  await registrar.stop();
  registrars.delete(registrar);
}

async function startContainer(name: string, service: string): Promise<string> {
  const container = await runContainer({
    name,
    cmd: ['sleep', '3600'],
    expose: [PORT],
    labels: { SERVICE_NAME: service, [BENCH_LABEL]: runId },
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

// ---------------------------------------------------------------------------------------------
// Phases

/**
 * Burst of starts, then of stops, under one registrar. Latency is the Docker event's `timeNano`
 * to the `time` of the registrar's "registered"/"deregistered" line: the event is the earliest
 * moment the registrar can know, and the line is written right after the agent acknowledged the
 * write (so the service is in Consul), both from this host's clock, with no polling in between.
 * Container start-up before the event is Docker's time, not the registrar's. The catalog figures
 * check this against what a Consul client actually sees.
 */
async function burstPhase(signal: AbortSignal, kind: Kind, round: number): Promise<BurstResults> {
  const { registrar } = await startRegistrar(burstHost(kind, round), kind);
  const { cpuS: cpuStartupS, peakRssMiB: startupRssMiB } = usage(registrar.pid);
  const events = await followEvents();
  const prefix = `${runId}-${kind[0]}${round}b`;
  const catalog = watchCatalog(prefix);
  try {
    progress(`${kind}, round ${round}: starting ${N} containers, ${PARALLEL} at a time`);
    const names = Array.from({ length: N }, (_, i) => `${prefix}${i}`);
    const ids = await pool(names, PARALLEL, signal, (name) => startContainer(name, name));
    const registered = await Promise.all(ids.map((id) => logTime(registrar, 'registered', id)));
    const started = await Promise.all(ids.map((id) => eventTime(events.start, 'start', id)));
    const inCatalog = await Promise.all(names.map((name) => waitFor(`${name} in the catalog`, async () => catalog.seen.get(name))));

    progress(`${kind}, round ${round}: stopping them (t=0), ${PARALLEL} at a time`);
    await pool(ids, PARALLEL, signal, (id) => docker.getContainer(id).stop({ t: 0 }));
    const deregistered = await Promise.all(ids.map((id) => logTime(registrar, 'deregistered', id)));
    const died = await Promise.all(ids.map((id) => eventTime(events.die, 'die', id)));
    const outOfCatalog = await Promise.all(names.map((name) => waitFor(`${name} out of the catalog`, async () => catalog.gone.get(name))));

    const { cpuS, peakRssMiB } = usage(registrar.pid);
    const peakPrivateMiB = privateMemory.peakMiB(registrar.pid);
    return {
      register: latencies(ids.map((_, i) => registered[i]! - started[i]!)),
      registerCatalog: latencies(ids.map((_, i) => inCatalog[i]! - started[i]!)),
      deregister: latencies(ids.map((_, i) => deregistered[i]! - died[i]!)),
      deregisterCatalog: latencies(ids.map((_, i) => outOfCatalog[i]! - died[i]!)),
      cpuStartupS,
      cpuS,
      startupRssMiB,
      peakRssMiB,
      peakPrivateMiB,
    };
  } finally {
    events.close();
    await catalog.stop();
    await stopRegistrar(registrar);
    // The stopped containers go; the next round starts from the same state.
    const mine = await docker.listContainers({ all: true, filters: { label: [`${BENCH_LABEL}=${runId}`] } });
    await pool(mine, PARALLEL, new AbortController().signal, (c) => docker.getContainer(c.Id).remove({ force: true }));
  }
}

/** A fresh registrar's first pass over M running containers (all new), then a restart's (all in place). */
async function resyncPhase(signal: AbortSignal): Promise<ResyncResults> {
  progress(`starting ${M} containers, ${M_PARALLEL} at a time`);
  const names = Array.from({ length: M }, (_, i) => `${runId}-r${i}`);
  await pool(names, M_PARALLEL, signal, (name) => startContainer(name, `${runId}-resync`));

  progress("the floor's start over them (registers everything)");
  await expectRunning(M);
  const floor = await startRegistrar(`${resyncHost}-floor`, 'floor');
  const floorUsage = { ...usage(floor.registrar.pid), peakPrivateMiB: privateMemory.peakMiB(floor.registrar.pid) };
  await stopRegistrar(floor.registrar);
  const floorServices = Object.keys(await agentServices(`ID matches "^${resyncHost}-floor"`));
  await pool(floorServices, M_PARALLEL, signal, deregister);

  progress('first full pass (registers everything)');
  const first = await startRegistrar(resyncHost);
  const { peakRssMiB: resyncPeakRssMiB, cpuS: firstPassCpuS } = usage(first.registrar.pid);
  const resyncPeakPrivateMiB = privateMemory.peakMiB(first.registrar.pid);
  await stopRegistrar(first.registrar);

  progress('second full pass after a restart (nothing to write)');
  const second = await startRegistrar(resyncHost);
  await stopRegistrar(second.registrar);
  await expectRunning(M);
  return {
    firstPass: passOf(first),
    secondPass: passOf(second),
    resyncPeakRssMiB,
    resyncPeakPrivateMiB,
    floorPass: {
      ...passOf(floor),
      cpuS: floorUsage.cpuS,
      peakRssMiB: floorUsage.peakRssMiB,
      peakPrivateMiB: floorUsage.peakPrivateMiB,
      firstPassCpuS,
    },
  };
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

function passOf({ registrar, pass }: { registrar: RegistrarProcess; pass: LogLine }): Pass {
  const writes = registrar.logs.filter((l) => l.event === 'registered' || l.event === 'deregistered').length;
  return { containers: Number(pass.containers), failed: Number(pass.failed), ms: Number(pass.ms), writes };
}

async function runBench(signal: AbortSignal): Promise<Results> {
  await requireRig();
  enterPhase('burst');
  const rounds: Results['rounds'] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    // Interleaved, the first of each round alternating, so that a drift of the machine hits both.
    const order: Kind[] = round % 2 === 1 ? ['floor', 'registrar'] : ['registrar', 'floor'];
    for (const kind of order) rounds.push({ kind, round, ...(await burstPhase(signal, kind, round)) });
  }
  enterPhase('resync');
  const resync = await resyncPhase(signal);
  enterPhase('cleanup');
  // The registrar's figures of the middle round by register p50, for the targets as before.
  const mine = rounds.filter((r) => r.kind === 'registrar').sort((a, b) => a.register.p50 - b.register.p50);
  const { kind: _kind, round: _round, ...burst } = mine[Math.floor(mine.length / 2)]!;
  return { rounds, ...burst, ...resync };
}

function enterPhase(name: string): void {
  phase = name;
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
  // Every host ID and floor service ID of this run starts with the run's ID.
  const services = Object.keys(await agentServices(`ID matches "^${runId}"`));
  await pool(services, M_PARALLEL, never, deregister);
}

// ---------------------------------------------------------------------------------------------
// Report

function verdict(value: number, limit: number): string {
  return `${value <= limit ? 'PASS' : 'MISS'} (≤ ${limit})`;
}

/** Median and spread over rounds of one figure, for the registrar and the floor, and their ratio. */
function versusFloor(r: Results): string[] {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const of = (kind: Kind, pick: (b: BurstResults) => number) => r.rounds.filter((x) => x.kind === kind).map(pick);
  const figures: [string, (b: BurstResults) => number][] = [
    ['start → registered p50 (ms)', (b) => b.register.p50],
    ['start → in catalog p50 (ms)', (b) => b.registerCatalog.p50],
    ['start → in catalog p99 (ms)', (b) => b.registerCatalog.p99],
    ['die → deregistered p50 (ms)', (b) => b.deregister.p50],
    ['die → out of catalog p99 (ms)', (b) => b.deregisterCatalog.p99],
    ['CPU for the burst (s)', (b) => b.cpuS - b.cpuStartupS],
    ['peak RSS (MiB)', (b) => b.peakRssMiB],
    ['peak private memory (MiB)', (b) => b.peakPrivateMiB],
  ];
  // Two decimals below 1 (CPU seconds): one would hide a 2x difference between 0.15 and 0.24.
  const fixed = (x: number, of: number[]) => x.toFixed(median(of) < 1 ? 2 : 1);
  const cell = (xs: number[]) => `${fixed(median(xs), xs)} [${fixed(Math.min(...xs), xs)}–${fixed(Math.max(...xs), xs)}]`;
  return [
    `versus the floor (bench/floor.mjs), ${ROUNDS} interleaved rounds: median [min–max over rounds]`,
    `${''.padEnd(32)} ${'registrar'.padStart(22)} ${'floor'.padStart(22)} ${'ratio'.padStart(7)}`,
    ...figures.map(([name, pick]) => {
      const [mine, floor] = [of('registrar', pick), of('floor', pick)];
      return `${name.padEnd(32)} ${cell(mine).padStart(22)} ${cell(floor).padStart(22)} ${(median(mine) / median(floor)).toFixed(2).padStart(7)}`;
    }),
  ];
}

function report(r: Results, totalS: number): string {
  const row = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(34) : c.padStart(9))).join(' ');
  const lat = (name: string, l: Latencies, check: string) => row([name, `${l.p50}`, `${l.p99}`, `${l.max}`]) + `   ${check}`;
  const pass = (name: string, p: Pass) =>
    `${name.padEnd(34)} ${p.ms} ms for ${p.containers} containers (${p.failed} failed, ${p.writes} writes)`;
  return [
    `consul-registrar burst benchmark: N=${N} (${PARALLEL} at a time), M=${M}, ${totalS.toFixed(0)} s in all`,
    '',
    ...versusFloor(r),
    '',
    "the registrar's middle round (by start → registered p50):",
    row(['latency (ms)', 'p50', 'p99', 'max']),
    lat(
      'start event → registered (log)',
      r.register,
      `p50 ${verdict(r.register.p50, TARGETS.registerP50)}, p99 ${verdict(r.register.p99, TARGETS.registerP99)}`,
    ),
    lat('start event → in catalog (check)', r.registerCatalog, ''),
    lat('die event → deregistered (log)', r.deregister, `p99 ${verdict(r.deregister.p99, TARGETS.deregisterP99)}`),
    lat('die event → out of catalog (check)', r.deregisterCatalog, ''),
    '',
    `${'burst registrar CPU'.padEnd(34)} ${r.cpuS.toFixed(2)} s user+sys (${r.cpuStartupS.toFixed(2)} s of it start-up and first pass)`,
    `${'burst registrar peak RSS'.padEnd(34)} ${r.peakRssMiB} MiB   ${verdict(r.peakRssMiB, TARGETS.peakRssMiB)}; ${r.startupRssMiB} MiB after start-up`,
    '',
    pass('full pass, fresh host ID', r.firstPass),
    pass("the floor's start, same containers", r.floorPass),
    `${'  ratio to the floor'.padEnd(34)} time ${(r.firstPass.ms / r.floorPass.ms).toFixed(2)}, CPU ${(r.floorPass.firstPassCpuS / r.floorPass.cpuS).toFixed(2)} (${r.floorPass.firstPassCpuS.toFixed(2)} vs ${r.floorPass.cpuS.toFixed(2)} s, start-up included), peak RSS ${r.resyncPeakRssMiB} vs ${r.floorPass.peakRssMiB} MiB, private ${r.resyncPeakPrivateMiB} vs ${r.floorPass.peakPrivateMiB} MiB`,
    pass('full pass after restart', r.secondPass),
    `${'resync registrar peak RSS'.padEnd(34)} ${r.resyncPeakRssMiB} MiB (after the first pass over ${M})`,
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
    process.stdout.write(report(results, totalS) + '\n');
    process.stdout.write(
      JSON.stringify({ runId, N, PARALLEL, M, targets: TARGETS, ...results, totalS: Math.round(totalS), disturbedPhases: [...disturbed] }) +
        '\n',
    );
  }
}

main().then(
  () => process.exit(),
  (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
