/**
 * The registrar's counters, in Prometheus' text format. A handful of counters and gauges need no
 * client library (prom-client would add several MiB to a daemon that runs on every host).
 */
const HELP = {
  registrar_registrations_total: ['counter', 'Services registered or re-registered in Consul.'],
  registrar_deregistrations_total: ['counter', 'Services removed from Consul.'],
  registrar_refusals_total: ['counter', 'Registrations Consul refused (4xx).'],
  registrar_ownership_refusals_total: ['counter', 'Service IDs not registered because the agent already has them under another owner.'],
  registrar_sync_errors_total: ['counter', 'Container syncs that failed (Docker or Consul unreachable); retried by the next pass.'],
  registrar_docker_events_total: ['counter', 'Docker events received.'],
  registrar_full_passes_total: ['counter', 'Full passes run.'],
  registrar_full_pass_seconds: ['gauge', 'Duration of the last full pass.'],
  registrar_last_full_pass_timestamp_seconds: ['gauge', 'When the last full pass ended (Unix time).'],
  registrar_check_runs_total: ['counter', 'Script and Docker-health check runs started.'],
  registrar_check_late_total: ['counter', 'Check runs started more than max(1 s, interval/10) late.'],
  registrar_check_skipped_total: ['counter', 'Check runs skipped because the previous run had not ended.'],
  registrar_check_report_errors_total: ['counter', 'Check results that could not be sent to Consul.'],
  registrar_check_lateness_seconds: ['summary', 'How late check runs started (last 10,000 runs).'],
} as const;

export type MetricName = keyof typeof HELP;

export class Metrics {
  private readonly values = new Map<string, number>();

  inc(name: MetricName, by = 1): void {
    this.values.set(name, (this.values.get(name) ?? 0) + by);
  }

  set(name: MetricName, value: number, labels = ''): void {
    this.values.set(labels ? `${name}{${labels}}` : name, value);
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, [type, help]] of Object.entries(HELP)) {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [key, value] of this.values) if (key === name || key.startsWith(`${name}{`)) lines.push(`${key} ${value}`);
    }
    return lines.join('\n') + '\n';
  }
}

/** The q-quantile of a list of numbers (nearest rank). */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}
