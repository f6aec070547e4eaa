// One start traced end to end, for the registrar and for the Python floor: the start call
// returned (the user's t=0), Docker's event, the event read by the process, each HTTP request it
// made (sent → answered), its "registered" line and the address in the catalog. Containers start
// one at a time, TRACE_N (7) of them under each, and the table gives each step's median in ms
// since the start call returned. Run with `npm run build && npx tsx bench/trace.ts` on the rig.
import { fileURLToPath } from 'node:url';
import { IMAGE, TEST_LABEL, docker, requireRig, uniqueName } from '../test/support/rig.js';
import { isFullPass, RegistrarProcess, type LogLine } from '../test/support/registrar-process.js';
import { catalogTurns, envInt } from './support.js';

const TRACE_N = envInt('TRACE_N', 7);
const runId = uniqueName('trace');
const PRELOAD = fileURLToPath(new URL('./trace-http.mjs', import.meta.url));
const FLOOR = fileURLToPath(new URL('./floor.py', import.meta.url));

type Kind = 'ours' | 'py floor';

/** Each step of one start: its name and its time in ms since the start call returned. */
async function traceOne(registrar: RegistrarProcess, name: string): Promise<[string, number][]> {
  const container = await docker.createContainer({
    name,
    Image: IMAGE,
    Cmd: ['sleep', '3600'],
    Labels: { [TEST_LABEL]: '1', SERVICE_NAME: name, [`${runId}`]: '1' },
    ExposedPorts: { '8080/tcp': {} },
  });
  const from = registrar.logs.length;
  const since = Date.now();
  const events = await docker.getEvents({ since: Math.floor(since / 1000) - 1, filters: { container: [container.id], event: ['start'] } });
  let eventAt = NaN;
  events.on(
    'data',
    (chunk: Buffer) => (eventAt = Number((JSON.parse(String(chunk).split('\n')[0]!) as { timeNano: number }).timeNano) / 1e6),
  );
  const turn = catalogTurns(name, true, new AbortController().signal);
  await turn.armed;
  await container.start();
  const returned = performance.timeOrigin + performance.now();
  const seen = performance.timeOrigin + (await turn.at);
  const registered = await registrar.waitForLog('registered', (l) => l.event === 'registered' && l.containerId === container.id);
  await new Promise((r) => setTimeout(r, 100));
  (events as unknown as { destroy: () => void }).destroy();
  await container.remove({ force: true });
  const at = (t: number) => Math.round((t - returned) * 10) / 10;
  const steps: [string, number][] = [['docker start event', at(eventAt)]];
  const lines = registrar.logs.slice(from).filter((l: LogLine) => l.time <= registered.time + 1);
  const read = lines.find((l) => l.step === 'event-read' && l.containerId === container.id);
  if (read) steps.push(['event read', at(read.time)]);
  // Requests sent before the event (a timer's) are not this start's; the same request twice is told apart by its count.
  const count = new Map<string, number>();
  for (const l of lines) {
    if (l.event !== 'trace' || l.step === 'event-read' || (typeof l.sentAt === 'number' && l.sentAt < eventAt)) continue;
    const step = String(l.step).replace(/[0-9a-f]{64}/, '<id>'); // one row for every container's inspect
    const n = (count.get(step) ?? 0) + 1;
    count.set(step, n);
    const what = n > 1 ? `${step} #${n}` : step;
    if (typeof l.sentAt === 'number') steps.push([`${what} sent`, at(l.sentAt)]);
    steps.push([`${what} answered`, at(l.time)]);
  }
  steps.push(['registered (log line)', at(registered.time)], ['in the catalog (blocking query)', at(seen)]);
  return steps;
}

function medianTable(kind: Kind, runs: [string, number][][]): string[] {
  const names = [...new Set(runs.flatMap((r) => r.map(([n]) => n)))];
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const at = (name: string) => median(runs.map((r) => r.find(([n]) => n === name)?.[1] ?? Infinity));
  names.sort((a, b) => at(a) - at(b));
  return [
    `${kind}: median of ${runs.length} starts, ms since the start call returned (paths shortened)`,
    ...names.map((name) => {
      const xs = runs.map((r) => r.find(([n]) => n === name)?.[1]).filter((x): x is number => x !== undefined);
      return `  ${name
        .replace(/[0-9a-f]{64}/, '<id>')
        .replace(/\/v1\//, '/')
        .padEnd(58)} ${median(xs).toFixed(1).padStart(7)}   (${xs.length} seen)`;
    }),
  ];
}

async function main(): Promise<void> {
  await requireRig();
  const out: string[] = [];
  for (const kind of ['ours', 'py floor'] as Kind[]) {
    const host = `${runId}-${kind === 'ours' ? 'ours' : 'py'}`;
    const registrar =
      kind === 'ours'
        ? new RegistrarProcess(['--host-id', host, '--resync', '0', '--log-level', 'info'], { NODE_OPTIONS: `--import ${PRELOAD}` })
        : new RegistrarProcess([host], { FLOOR_TRACE: '1' }, [], FLOOR);
    try {
      await registrar.waitForLog('its first full pass', isFullPass, 60_000);
      const runs: [string, number][][] = [];
      for (let i = 0; i < TRACE_N; i++) runs.push(await traceOne(registrar, `${host}-${i}`));
      out.push(...medianTable(kind, runs), '');
    } finally {
      await registrar.stop();
    }
  }
  process.stdout.write(out.join('\n'));
}

main().then(
  () => process.exit(),
  (err: unknown) => {
    process.stderr.write(`trace: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
