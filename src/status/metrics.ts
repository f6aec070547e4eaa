import { readdirSync, readFileSync } from 'node:fs';
import { VERSION } from '../version.js';
import { FINDING_CODES } from '../model/finding-codes.js';

/**
 * The registrar's metrics in Prometheus' text format, by its conventions (base units, counters
 * ending in _total, every series present from the first scrape). Written here rather than with
 * prom-client: a few dozen series need ~150 lines, and the client would add several MiB of memory
 * and its own collectors to a daemon that runs on every host (issue 13 counts those).
 */
const COUNTERS = {
  registrar_registrations_total: 'Services registered or re-registered in Consul.',
  registrar_deregistrations_total: 'Services removed from Consul.',
  registrar_refusals_total: 'Registrations Consul refused (4xx).',
  registrar_ownership_refusals_total: 'Service IDs not registered because the agent already has them under another owner.',
  registrar_sync_errors_total: 'Container syncs that failed (Docker or Consul unreachable); retried by the next pass.',
  registrar_docker_events_total: 'Docker events received.',
  registrar_full_passes_total: 'Full passes run.',
  registrar_check_runs_total: 'Script and Docker-health check runs started.',
  registrar_check_late_total: 'Check runs started more than max(1 s, interval/10) late.',
  registrar_check_skipped_total: 'Check runs skipped because the previous run had not ended.',
  registrar_check_report_errors_total: 'Check results that could not be sent to Consul.',
} as const;

const GAUGES = {
  registrar_last_full_pass_timestamp_seconds: 'When the last full pass ended (Unix time; 0 before the first).',
  registrar_owned_services: 'Services this registrar owns on its agent, as of the last full pass.',
} as const;

// Buckets in seconds: a sync takes milliseconds, a full pass of hundreds of containers seconds.
const SHORT = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const LONG = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const HISTOGRAMS = {
  registrar_event_to_registered_seconds: ['From a Docker start event to the container synced with Consul.', SHORT],
  registrar_sync_duration_seconds: ["One container's sync: inspect, compare with Consul, write the difference.", SHORT],
  registrar_full_pass_duration_seconds: ['Full passes, start to end.', LONG],
  registrar_check_lateness_seconds: ['How late check runs started after they were due.', SHORT],
} as const;

export type CounterName = keyof typeof COUNTERS;
export type GaugeName = keyof typeof GAUGES;
export type HistogramName = keyof typeof HISTOGRAMS;
export type MetricName = CounterName | GaugeName;

interface Histogram {
  buckets: readonly number[];
  counts: number[];
  sum: number;
  count: number;
}

/** What only the registrar as a whole knows, asked at each scrape. */
export interface ScrapeSources {
  /** Whether Docker and Consul answer now (the event stream is connected; the agent answers its poll). */
  up: () => { docker: boolean; consul: boolean };
}

export class Metrics {
  private readonly values = new Map<string, number>();
  private readonly histograms = new Map<HistogramName, Histogram>();
  /** Running containers by finding code; every code of the table is a series, 0 until seen. */
  private readonly findings = new Map<string, number>(Object.keys(FINDING_CODES).map((code) => [code, 0]));

  constructor() {
    for (const name of [...Object.keys(COUNTERS), ...Object.keys(GAUGES)]) this.values.set(name, 0);
    for (const [name, [, buckets]] of Object.entries(HISTOGRAMS) as [HistogramName, (typeof HISTOGRAMS)[HistogramName]][]) {
      this.histograms.set(name, { buckets, counts: buckets.map(() => 0), sum: 0, count: 0 });
    }
  }

  inc(name: CounterName, by = 1): void {
    this.values.set(name, (this.values.get(name) ?? 0) + by);
  }

  get(name: MetricName): number {
    return this.values.get(name) ?? 0;
  }

  set(name: MetricName, value: number): void {
    this.values.set(name, value);
  }

  /** How many running containers have this finding code now (codes outside the table are not series). */
  setFinding(code: string, containers: number): void {
    if (this.findings.has(code)) this.findings.set(code, containers);
  }

  observe(name: HistogramName, seconds: number): void {
    const h = this.histograms.get(name)!;
    h.buckets.forEach((le, i) => {
      if (seconds <= le) h.counts[i]!++;
    });
    h.sum += seconds;
    h.count++;
  }

  render(sources?: ScrapeSources): string {
    const lines: string[] = [];
    const family = (name: string, type: string, help: string) => lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    const single = ([name, type, help, value]: Single) => {
      family(name, type, help);
      lines.push(`${name} ${value}`);
    };
    for (const [name, help] of Object.entries(COUNTERS)) single([name, 'counter', help, this.values.get(name)!]);
    for (const [name, help] of Object.entries(GAUGES)) single([name, 'gauge', help, this.values.get(name)!]);
    for (const [name, [help]] of Object.entries(HISTOGRAMS) as [HistogramName, (typeof HISTOGRAMS)[HistogramName]][]) {
      const h = this.histograms.get(name)!;
      family(name, 'histogram', help);
      h.buckets.forEach((le, i) => lines.push(`${name}_bucket{le="${le}"} ${h.counts[i]}`));
      lines.push(`${name}_bucket{le="+Inf"} ${h.count}`, `${name}_sum ${h.sum}`, `${name}_count ${h.count}`);
    }
    family('registrar_containers_with_finding', 'gauge', 'Running containers that have this finding (docs/findings.md), by code.');
    for (const [code, containers] of this.findings) lines.push(`registrar_containers_with_finding{code="${code}"} ${containers}`);
    const up = sources?.up() ?? { docker: false, consul: false };
    family('registrar_dependency_up', 'gauge', 'Whether the registrar reaches Docker and Consul now (1) or not (0).');
    lines.push(`registrar_dependency_up{dependency="docker"} ${up.docker ? 1 : 0}`);
    lines.push(`registrar_dependency_up{dependency="consul"} ${up.consul ? 1 : 0}`);
    family('registrar_build_info', 'gauge', "The registrar's version and Node's, as labels; always 1.");
    lines.push(`registrar_build_info{version="${VERSION}",nodejs="${process.version}"} 1`);
    processMetrics().forEach(single);
    return lines.join('\n') + '\n';
  }
}

/** One series without labels: name, type, help, value. */
type Single = [string, 'counter' | 'gauge', string, number];

/** The process_* series every Prometheus client exports, read from Node and /proc. */
function processMetrics(): Single[] {
  const { user, system } = process.cpuUsage();
  const series: Single[] = [
    ['process_cpu_seconds_total', 'counter', 'User and system CPU time spent, in seconds.', (user + system) / 1e6],
    ['process_resident_memory_bytes', 'gauge', 'Resident memory size, in bytes.', process.memoryUsage.rss()],
    ['process_start_time_seconds', 'gauge', 'When the process started (Unix time).', Math.round(Date.now() / 1000 - process.uptime())],
  ];
  const fds = openFds();
  if (fds)
    series.push(
      ['process_open_fds', 'gauge', 'Open file descriptors.', fds.open],
      ['process_max_fds', 'gauge', 'The limit of open file descriptors.', fds.max],
    );
  return series;
}

function openFds(): { open: number; max: number } | undefined {
  try {
    const open = readdirSync('/proc/self/fd').length;
    const max = Number(/^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? NaN);
    return Number.isFinite(max) ? { open, max } : undefined;
  } catch {
    return undefined; // not Linux
  }
}
