/** What one run of a check found, as Consul's TTL update takes it. */
export interface Outcome {
  status: 'passing' | 'warning' | 'critical';
  output: string;
}

// Consul keeps at most 4 KiB of a check's output by default (check_output_max_size).
export const MAX_OUTPUT = 4096;

/** Consul's and Nagios' convention: 0 passing, 1 warning, anything else critical. */
export function outcomeOf(exitCode: number | null, output: string): Outcome {
  const status = exitCode === 0 ? 'passing' : exitCode === 1 ? 'warning' : 'critical';
  return { status, output: truncate(output) };
}

export function truncate(output: string): string {
  return output.length <= MAX_OUTPUT ? output : `${output.slice(0, MAX_OUTPUT - 14)}\n[truncated]`;
}

/** Collects a process's output up to Consul's limit, dropping the rest. */
export class OutputBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  add(chunk: Buffer): void {
    if (this.size > MAX_OUTPUT) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
