// Runs the built CLI (dist/cli.js) as a real process, as an operator would, and reads its JSON logs.
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
/** The node flags the CLI's shebang asks for, so the tests run it as an operator's shell would. */
export const SHEBANG_FLAGS =
  /^#!.*\bnode\b(.*)$/m.exec(readFileSync(CLI, 'utf8').split('\n')[0]!)?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
/** BENCH_NODE_FLAGS adds to them; REGISTRAR_NODE_FLAGS (set, even empty) replaces them, to measure a flag's worth. */
const NODE_FLAGS = [
  ...(process.env.REGISTRAR_NODE_FLAGS !== undefined ? process.env.REGISTRAR_NODE_FLAGS.split(' ').filter(Boolean) : SHEBANG_FLAGS),
  ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
];

/** package.json's version: what --version, build_info and the image's labels must say. */
export const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;

/** Runs the CLI once to its end (plan, --version), with the node flags its shebang asks for. */
export function runCli(args: string[], env: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [...NODE_FLAGS, CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
}

export interface LogLine {
  level: number;
  msg: string;
  time: number;
  [key: string]: unknown;
}

/** The log line of a finished full pass, told by its event field, not its wording. */
export function isFullPass(line: LogLine): boolean {
  return line.event === 'full-pass';
}

export class RegistrarProcess {
  readonly logs: LogLine[] = [];
  readonly stderr: string[] = [];
  private readonly child: ChildProcess;
  readonly exited: Promise<number | null>;

  /**
   * `wrapper`: a command the registrar runs under, e.g. ['setpriv', '--no-new-privs', '--'] as a
   * hardened deployment would. `script`: another program in its place (the benchmark's floor,
   * bench/floor.mjs), run with the CLI's node flags and exactly `args`; a `.py` script runs under
   * python3 with no node flags (bench/floor.py).
   */
  constructor(args: string[], env: Record<string, string> = {}, wrapper: string[] = [], script?: string) {
    // Several registrars may run at once in a test: each serves /metrics on a port of its own.
    const http = script || args.includes('--http-addr') ? [] : ['--http-addr', '127.0.0.1:0'];
    // Debug, unless the test chooses: routine full passes, which tests wait for (isFullPass), log at debug.
    const level = script || args.includes('--log-level') || env.REGISTRAR_LOG_LEVEL ? [] : ['--log-level', 'debug'];
    const python = script?.endsWith('.py') ?? false;
    const [program, ...prefix] = [...wrapper, python ? 'python3' : process.execPath];
    const run = python ? [script!] : [...NODE_FLAGS, ...(script ? [script] : [CLI])];
    this.child = spawn(program, [...prefix, ...run, ...http, ...level, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Logs are JSON lines on stderr (not a terminal here); anything else is kept for the failure message.
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        try {
          this.logs.push(JSON.parse(line) as LogLine);
        } catch {
          this.stderr.push(line);
        }
      });
    }
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resolves with the first log line (already seen or coming) that matches. */
  async waitForLog(what: string, match: (line: LogLine) => boolean, timeoutMs = 10_000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = this.logs.find(match);
      if (found) return found;
      if (this.child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`registrar never logged ${what}; exit ${this.child.exitCode}; last lines:\n${this.tail()}`);
  }

  /** The port its status server listens on (it logs it once listening). */
  async httpPort(): Promise<number> {
    return (await this.waitForLog('its status server', (l) => typeof l.httpPort === 'number')).httpPort as number;
  }

  /** The registrar's /metrics as name → value (labels kept in the name). */
  async metrics(): Promise<Map<string, number>> {
    const text = await (await fetch(`http://127.0.0.1:${await this.httpPort()}/metrics`)).text();
    return new Map(
      text
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))]),
    );
  }

  async healthz(): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`http://127.0.0.1:${await this.httpPort()}/healthz`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  tail(n = 15): string {
    return [...this.logs.slice(-n).map((l) => JSON.stringify(l)), ...this.stderr.slice(-5)].join('\n');
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill(signal);
    return this.exited;
  }
}
