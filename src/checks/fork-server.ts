import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { FORK_SERVER_SCRIPT } from './fork-server-script.js';
import type { JoinResult, Launched, Launcher, LaunchRequest } from './launch.js';
import { killGroup } from './process-group.js';
import { MAX_OUTPUT } from './outcome.js';
import { FrameReader, type Frame } from './server-frames.js';

/** What the server has said of one run so far. */
class ServerRun implements Launched {
  pid: number | undefined;
  joined: JoinResult | undefined;
  dropped = false;
  private outputShut = false;
  private exitCode: number | null | undefined;
  private readonly listeners: ((chunk: Buffer) => void)[] = [];
  private settleClosed!: (code: number | null) => void;
  private settleExited!: () => void;
  readonly closed = new Promise<number | null>((resolve) => (this.settleClosed = resolve));
  readonly exited = new Promise<void>((resolve) => (this.settleExited = resolve));

  constructor(private readonly sendDrop: (run: ServerRun) => void) {}

  group = (): number | undefined => this.pid;
  join = (): JoinResult | undefined => this.joined;
  onOutput(listener: (chunk: Buffer) => void): void {
    this.listeners.push(listener);
  }
  drop(): void {
    this.dropped = true;
    this.sendDrop(this);
  }

  output(chunk: Buffer): void {
    for (const listener of this.listeners) listener(chunk);
  }
  shut(): void {
    this.outputShut = true;
    this.settleIfDone();
  }
  exit(code: number | null): void {
    this.exitCode = code;
    this.settleExited();
    this.settleIfDone();
  }
  /** Never started, or the server is gone: nothing more will come. */
  fail(why: string): void {
    this.output(Buffer.from(`cannot start the check: ${why}`));
    this.outputShut = true;
    this.exit(null);
  }
  /** Nothing more is to be heard of it: exited, and its output shut or dropped. */
  done(): boolean {
    return this.exitCode !== undefined && (this.outputShut || this.dropped);
  }
  private settleIfDone(): void {
    if (this.outputShut && this.exitCode !== undefined) this.settleClosed(this.exitCode);
  }
}

const JOINS: Record<string, JoinResult> = {
  a: { joined: true, allWritten: true },
  s: { joined: true, allWritten: false },
  n: { joined: false, allWritten: false },
};

// prctl(2)'s number where it is known here; elsewhere setpriv gives each run no_new_privs.
const PRCTL_SYSCALL = ({ x64: 157, arm64: 167 } as Partial<Record<string, number>>)[process.arch];

const hex = (text: string) => Buffer.from(text).toString('hex');
const hexList = (items: readonly string[]) => (items.length === 0 ? '-' : items.map(hex).join(','));

/**
 * Starts runs through one long-lived perl process (see FORK_SERVER_SCRIPT for why and how): about
 * 1 ms of CPU less per run than forking Node. Started at the first run, again after it exits; it gets
 * no environment (the registrar's holds the Consul token), and each run only the one it is given.
 */
export class ForkServer implements Launcher {
  readonly name = 'fork server';
  readonly setsNoNewPrivs = PRCTL_SYSCALL !== undefined;
  private server: ChildProcessByStdio<Writable, Readable, null> | undefined;
  private readonly runs = new Map<number, ServerRun>();
  private nextRun = 1;

  constructor(private readonly perl: string) {}

  launch(request: LaunchRequest): Launched {
    const server = this.server ?? this.start();
    const id = this.nextRun++;
    const run = new ServerRun((dropped) => {
      if (this.server === server) server.stdin.write(`D ${id}\n`);
      if (dropped.done()) this.runs.delete(id);
    });
    this.runs.set(id, run);
    const env = Object.entries(request.env).flatMap(([key, value]) => (value === undefined ? [] : [`${key}=${value}`]));
    const { files, required = '' } = request.cgroups.targets;
    server.stdin.write(`R ${id} ${hex(required)} ${hexList(files)} ${hexList(env)} ${hexList(request.argv)}\n`);
    return run;
  }

  /** At shutdown: every run's group is killed, and the server ends (it is started again if needed). */
  killAll(): void {
    for (const run of this.runs.values()) if (run.pid) killGroup(run.pid);
    this.server?.stdin.end();
  }

  private start(): ChildProcessByStdio<Writable, Readable, null> {
    // detached: a Ctrl-C or a signal to the registrar's process group must not end the server before the
    // registrar's own orderly stop (its runs would fail critical); it ends when its stdin closes.
    const server = spawn(this.perl, ['-e', FORK_SERVER_SCRIPT, String(MAX_OUTPUT * 2), String(PRCTL_SYSCALL ?? 0)], {
      detached: true,
      stdio: ['pipe', 'pipe', 'ignore'],
      env: {},
    });
    this.server = server;
    server.stdin.on('error', () => undefined); // a server gone: its exit fails its runs
    const reader = new FrameReader((frame) => this.heard(frame));
    server.stdout.on('data', (chunk: Buffer) => {
      try {
        reader.add(chunk);
      } catch {
        server.kill('SIGKILL'); // not the server's format: trust none of it
      }
    });
    const gone = () => {
      if (this.server !== server) return;
      this.server = undefined;
      for (const run of this.runs.values()) run.fail('the fork server (perl) exited');
      this.runs.clear();
    };
    server.once('exit', gone);
    server.once('error', gone);
    return server;
  }

  private heard(frame: Frame): void {
    const run = this.runs.get(frame.run);
    if (!run) return;
    switch (frame.verb) {
      case 'S':
        run.pid = Number(frame.words[0]);
        if (run.dropped) killGroup(run.pid); // timed out before it was heard of
        break;
      case 'J':
        run.joined = JOINS[frame.words[0] ?? 'n'] ?? JOINS.n;
        break;
      case 'O':
        if (frame.data) run.output(frame.data);
        break;
      case 'C':
        run.shut();
        break;
      case 'F':
        run.fail(frame.words.join(' '));
        break;
      case 'X': {
        const code = frame.words[0] === '-' ? null : Number(frame.words[0]);
        run.exit(code);
        break;
      }
    }
    if (run.done()) this.runs.delete(frame.run);
  }
}
