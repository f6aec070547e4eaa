// Benchmark of script checks at scale on the real rig (`npm run bench:checks`): N containers, each
// with one script check every I seconds, run by the registrar with each executor, and, as the
// baseline in the same run, by Consul itself (a Docker check, DockerContainerID) on a loopback
// test agent with script checks enabled. BENCH_CHECK_N (default 200), BENCH_CHECK_INTERVAL (s,
// default 10), BENCH_CHECK_WINDOW (s measured per executor, default 60) and BENCH_CHECK_RUNNERS
// (default nsenter,nsenter-nnp,docker,consul) tune it.
import { readdirSync, readFileSync } from 'node:fs';
import { PrivateConsul } from '../test/support/consul-agent.js';
import { cpuSeconds } from '../test/support/proc.js';
import { isFullPass, RegistrarProcess } from '../test/support/registrar-process.js';
import { agentServices, deregister, docker, requireRig, runContainer, uniqueName } from '../test/support/rig.js';
import { envInt, pool } from './support.js';

const N = envInt('BENCH_CHECK_N', 200);
const INTERVAL_S = envInt('BENCH_CHECK_INTERVAL', 10);
const WINDOW_S = envInt('BENCH_CHECK_WINDOW', 60);
// Which runners to measure, e.g. BENCH_CHECK_RUNNERS=nsenter for a quicker run.
const RUNNERS = (process.env.BENCH_CHECK_RUNNERS ?? 'nsenter,nsenter-nnp,docker,consul').split(',');
const LABEL = 'consul-registrar-bench-checks';
const TARGETS = { cpuShareOfCore: 0.25, nsenterAdvantage: 10 };

const runId = uniqueName('checks');
const started = performance.now();

interface Row {
  runner: string;
  askedPerS: number;
  achievedPerS: number;
  p99LatenessMs?: number;
  late?: number;
  skipped?: number;
  /** The checker process alone (without the commands it started), share of one core. */
  ownCpuShare: number;
  checkerCpuShare: number;
  checkerCpuPer1000: number;
  dockerCpuPer1000: number;
  /** The checker process alone, CPU seconds per 1000 runs: unlike its share, it holds on a loaded machine. */
  ownCpuPer1000: number;
  /** The checker process's anonymous memory at the end of the window: what every fork of it copies. */
  rssAnonMiB?: number;
}

function progress(message: string): void {
  process.stderr.write(`bench:checks [${((performance.now() - started) / 1000).toFixed(0)} s]: ${message}\n`);
}

/** CPU seconds of the Docker side: dockerd, containerd and every shim (with the runc runs they waited for). */
function dockerSideCpu(): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      if (comm === 'dockerd' || comm === 'containerd' || comm.startsWith('containerd-shim')) total += cpuSeconds(Number(pid), true);
    } catch {
      // ended meanwhile
    }
  }
  return total;
}

/**
 * Counts exec_start events live (one per exec, whoever asked for it). Followed, not replayed:
 * dockerd keeps only its last 256 events.
 */
async function countExecStarts(): Promise<{ count: () => number; stop: () => void }> {
  let n = 0;
  const stream = (await docker.getEvents({ filters: { type: ['container'], event: ['exec_start'] } })) as NodeJS.ReadableStream & {
    destroy(): void;
  };
  stream.on(
    'data',
    (chunk: Buffer) =>
      (n += chunk
        .toString()
        .split('\n')
        .filter((l) => l.trim() !== '').length),
  );
  return { count: () => n, stop: () => stream.destroy() };
}

/** The Docker side's CPU per second with nothing exec'ing: subtracted from each runner's figure. */
async function dockerIdleCpuPerS(): Promise<number> {
  const [d0, t0] = [dockerSideCpu(), performance.now()];
  await new Promise((res) => setTimeout(res, 20_000));
  return (dockerSideCpu() - d0) / ((performance.now() - t0) / 1000);
}

/**
 * Measures one checker (a process) over the window: its CPU with that of the children it ran
 * (nsenter and the check commands), the Docker side's, and how many checks ran. A child alive at
 * both ends of the window (the registrar's fork server) counts as the checker's own, with what it ran:
 * processes a live child reaps never reach the checker's own children's figure.
 */
async function measure(
  checkerPid: number,
  count: () => Promise<number>,
): Promise<{ runs: number; checkerCpu: number; ownCpu: number; dockerCpu: number; seconds: number; rssAnonMiB?: number }> {
  const [k0, d0, r0, t0] = [treeCpu(checkerPid), dockerSideCpu(), await count(), performance.now()];
  await new Promise((res) => setTimeout(res, WINDOW_S * 1000));
  const [k1, d1, r1, t1] = [treeCpu(checkerPid), dockerSideCpu(), await count(), performance.now()];
  let [checkerCpu, ownCpu] = [k1.all - k0.all, k1.own - k0.own];
  for (const [pid, end] of k1.children) {
    const start = k0.children.get(pid);
    if (start === undefined) continue; // started or ended within the window: reaped by the checker, or not long-lived
    checkerCpu += end.all - start.all;
    ownCpu += end.own - start.own;
  }
  const rssAnonMiB = rssAnon(checkerPid);
  return { runs: r1 - r0, checkerCpu, ownCpu, dockerCpu: d1 - d0, seconds: (t1 - t0) / 1000, rssAnonMiB };
}

interface Cpu {
  own: number;
  all: number;
}

/** A process's CPU (own, and with the children it reaped) and that of each of its live children, by PID. */
function treeCpu(pid: number): Cpu & { children: Map<string, Cpu> } {
  const children = new Map<string, Cpu>();
  for (const child of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean)) {
    try {
      const started = readFileSync(`/proc/${child}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]!;
      children.set(`${child}@${started}`, { own: cpuSeconds(Number(child)), all: cpuSeconds(Number(child), true) });
    } catch {
      // ended meanwhile
    }
  }
  return { own: cpuSeconds(pid), all: cpuSeconds(pid, true), children };
}

/** RssAnon of a process in MiB (/proc/PID/status), or undefined when it cannot be read. */
function rssAnon(pid: number): number | undefined {
  try {
    const kib = /^RssAnon:\s*(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib === undefined ? undefined : Number(kib) / 1024;
  } catch {
    return undefined;
  }
}

let dockerIdlePerS = 0;

function row(runner: string, m: Awaited<ReturnType<typeof measure>>, extra: Partial<Row> = {}): Row {
  const per1000 = (cpu: number) => (m.runs > 0 ? (cpu / m.runs) * 1000 : NaN);
  m.dockerCpu = Math.max(0, m.dockerCpu - dockerIdlePerS * m.seconds);
  return {
    runner,
    askedPerS: N / INTERVAL_S,
    achievedPerS: m.runs / m.seconds,
    ownCpuShare: m.ownCpu / m.seconds,
    checkerCpuShare: m.checkerCpu / m.seconds,
    checkerCpuPer1000: per1000(m.checkerCpu),
    dockerCpuPer1000: per1000(m.dockerCpu),
    ownCpuPer1000: per1000(m.ownCpu),
    rssAnonMiB: m.rssAnonMiB,
    ...extra,
  };
}

/** nsenter-nnp: the registrar itself runs with no_new_privs (as docs/security.md advises), so checks need no setpriv. */
const REGISTRAR_RUNS = {
  nsenter: { executor: 'nsenter', wrapper: [] as string[], label: 'registrar, nsenter' },
  'nsenter-nnp': { executor: 'nsenter', wrapper: ['setpriv', '--no-new-privs', '--'], label: 'registrar, nsenter, no_new_privs' },
  docker: { executor: 'docker', wrapper: [] as string[], label: 'registrar, docker' },
} as const;

async function registrarRun(name: keyof typeof REGISTRAR_RUNS): Promise<Row> {
  const { executor, wrapper, label } = REGISTRAR_RUNS[name];
  const hostId = `${runId}-${name}`;
  const args = ['--host-id', hostId, '--resync', '0', '--enable-script-checks', '--script-executor', executor, '--log-level', 'info'];
  const registrar = new RegistrarProcess(args, {}, [...wrapper]);
  try {
    await registrar.waitForLog('its first full pass', isFullPass, 300_000);
    progress(`${executor}: warming up for one interval (first runs are spread over it)`);
    await new Promise((res) => setTimeout(res, INTERVAL_S * 1000 + 2000));
    const before = await registrar.metrics();
    progress(`${executor}: measuring for ${WINDOW_S} s`);
    const m = await measure(registrar.pid, async () => (await registrar.metrics()).get('registrar_check_runs_total') ?? 0);
    const after = await registrar.metrics();
    const delta = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
    return row(label, m, {
      p99LatenessMs: p99FromBuckets(delta, after, 'registrar_check_lateness_seconds') * 1000,
      late: delta('registrar_check_late_total'),
      skipped: delta('registrar_check_skipped_total'),
    });
  } finally {
    await registrar.stop();
    const services = Object.keys(await agentServices(`Meta.registrar_host == "${hostId}"`));
    await pool(services, 16, new AbortController().signal, deregister);
  }
}

/** Consul's own Docker check, on a private loopback agent that allows script checks (the baseline). */
async function consulRun(ids: string[]): Promise<Row> {
  const consul = new PrivateConsul(18900, false, ['-hcl', 'enable_script_checks = true']);
  await consul.start();
  try {
    await pool(ids, 16, new AbortController().signal, (id) =>
      consul.register({
        ID: id,
        Name: `${runId}-consul`,
        Port: 80,
        Check: { DockerContainerID: id, Args: ['true'], Interval: `${INTERVAL_S}s` },
      }),
    );
    progress('consul docker check: warming up for one interval');
    await new Promise((res) => setTimeout(res, INTERVAL_S * 1000 + 2000));
    progress(`consul docker check: measuring for ${WINDOW_S} s`);
    const execs = await countExecStarts();
    try {
      return row('Consul Docker check (baseline)', await measure(consul.pid, async () => execs.count()));
    } finally {
      execs.stop();
    }
  } finally {
    await consul.kill();
  }
}

function report(rows: Row[]): string {
  const f = (v: number | undefined, digits = 1) => (v === undefined || Number.isNaN(v) ? '—' : v.toFixed(digits));
  const lines = [
    `script checks: N=${N} containers × one check every ${INTERVAL_S} s (asked ${f(N / INTERVAL_S)}/s); ${WINDOW_S} s measured per runner`,
    '',
    [
      'runner'.padEnd(32),
      'achieved/s',
      'p99 late ms',
      'late',
      'skipped',
      'process CPU',
      '+children',
      'checker s/1000',
      'docker s/1000',
      'own s/1000',
      'anon MiB',
    ].join('  '),
    ...rows.map((r) =>
      [
        r.runner.padEnd(32),
        f(r.achievedPerS).padStart(10),
        f(r.p99LatenessMs, 0).padStart(11),
        f(r.late, 0).padStart(4),
        f(r.skipped, 0).padStart(7),
        `${f(r.ownCpuShare * 100)} %`.padStart(11),
        `${f(r.checkerCpuShare * 100)} %`.padStart(9),
        f(r.checkerCpuPer1000, 2).padStart(14),
        f(r.dockerCpuPer1000, 2).padStart(13),
        f(r.ownCpuPer1000, 2).padStart(10),
        f(r.rssAnonMiB, 0).padStart(8),
      ].join('  '),
    ),
  ];
  const byName = new Map(rows.map((r) => [r.runner, r]));
  const dockerExec = byName.get('registrar, docker');
  for (const nsenter of rows.filter((r) => r.runner.startsWith('registrar, nsenter'))) {
    if (!dockerExec) break;
    const cost = (r: Row) => r.checkerCpuPer1000 + r.dockerCpuPer1000;
    const ratio = cost(dockerExec) / cost(nsenter);
    const verdict = ratio >= TARGETS.nsenterAdvantage ? 'PASS' : 'MISS';
    lines.push(
      '',
      `${nsenter.runner} vs docker exec, all CPU per check: ${f(ratio)}× cheaper (target ≥ ${TARGETS.nsenterAdvantage}×: ${verdict})`,
    );
  }
  for (const r of rows.filter((x) => x.runner.startsWith('registrar'))) {
    lines.push(
      `${r.runner}: the registrar process ${f(r.ownCpuShare * 100)} % of one core (target < ${TARGETS.cpuShareOfCore * 100} %: ${r.ownCpuShare < TARGETS.cpuShareOfCore ? 'PASS' : 'MISS'}), ` +
        `${f(r.checkerCpuShare * 100)} % with the nsenter and check processes it started; achieved ${f((r.achievedPerS / r.askedPerS) * 100, 0)} % of asked`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  await requireRig();
  const rows: Row[] = [];
  try {
    progress(`starting ${N} containers, 16 at a time`);
    const names = Array.from({ length: N }, (_, i) => `${runId}-${i}`);
    const ids = await pool(names, 16, new AbortController().signal, async (name) => {
      const c = await runContainer({
        name,
        cmd: ['sleep', '7200'],
        expose: ['80'],
        // A non-root user: nsenter runs only such checks (the hardened path: the container's user, env, no_new_privs).
        user: 'app',
        labels: { [LABEL]: runId, SERVICE_NAME: `${runId}-svc`, SERVICE_CHECK_SCRIPT: 'true', SERVICE_CHECK_INTERVAL: `${INTERVAL_S}s` },
      });
      return c.id;
    });
    progress('measuring the Docker side at rest for 20 s');
    dockerIdlePerS = await dockerIdleCpuPerS();
    for (const name of ['nsenter', 'nsenter-nnp', 'docker'] as const) if (RUNNERS.includes(name)) rows.push(await registrarRun(name));
    if (RUNNERS.includes('consul')) rows.push(await consulRun(ids));
    console.log(report(rows));
    console.log(`Docker side at rest: ${(dockerIdlePerS * 100).toFixed(1)} % of a core, subtracted from every runner's Docker-side figure`);
    console.log(JSON.stringify({ runId, N, INTERVAL_S, WINDOW_S, dockerIdlePerS, rows }));
  } finally {
    progress('cleaning up');
    const containers = await docker.listContainers({ all: true, filters: { label: [LABEL] } });
    await pool(containers, 16, new AbortController().signal, (c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined),
    );
    progress(`done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
}

await main();

/** The histogram bucket bound under which 99 % of the window's observations fall (its resolution, no finer). */
function p99FromBuckets(delta: (name: string) => number, after: Map<string, number>, name: string): number {
  const total = delta(`${name}_count`);
  const bounds = [...after.keys()]
    .map((key) => new RegExp(`^${name}_bucket\\{le="([^"]+)"\\}$`).exec(key))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ key: m[0], le: Number(m[1]) }))
    .sort((a, b) => a.le - b.le);
  return bounds.find((b) => delta(b.key) >= 0.99 * total)?.le ?? NaN;
}
