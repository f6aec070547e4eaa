// A dockerd of a test's own, beside the machine's: its own socket, data and exec roots, pid file,
// bridge, containerd namespace and (empty) daemon.json, so a test may restart, freeze or kill it
// without touching the Docker an operator already runs (npm test must pass on such a machine).
import { spawn, execSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { IMAGE, RIG_ENGINE, waitFor } from './rig.js';

export interface PrivateDockerdOptions {
  /** Its bridge: a name of at most 15 characters and a /24 no other network here uses. */
  bridge: string;
  subnet: string;
  /** Also listen here (e.g. tcp://127.0.0.1:23760), with these extra flags (TLS). */
  listen?: string;
  extraArgs?: string[];
}

export class PrivateDockerd {
  readonly dir = mkdtempSync(join(tmpdir(), 'registrar-dockerd-'));
  /** containerd's socket paths must stay short: under /run, not the temporary folder. */
  private readonly execRoot = mkdtempSync('/run/crd-');
  private child: ChildProcess | undefined;
  readonly socket = join(this.dir, 'docker.sock');
  readonly engine = new Docker({ socketPath: this.socket });
  /** Its log (warnings and errors), kept until destroy() for a failure's message. */
  readonly log = join(this.dir, 'dockerd.log');

  constructor(private readonly options: PrivateDockerdOptions) {}

  /** dockerd's own process (to freeze it with SIGSTOP, say). */
  get pid(): number {
    return this.child?.pid ?? 0;
  }

  /** DOCKER_HOST for a registrar that should follow this daemon. */
  get host(): string {
    return `unix://${this.socket}`;
  }

  /** Creates the bridge (first time), starts dockerd and waits until it answers. */
  async start(): Promise<void> {
    const { bridge, subnet } = this.options;
    execSync(
      `ip link show ${bridge} >/dev/null 2>&1 || { ip link add ${bridge} type bridge && ip addr add ${subnet} dev ${bridge} && ip link set ${bridge} up; }`,
    );
    writeFileSync(join(this.dir, 'daemon.json'), '{}'); // nothing from /etc/docker/daemon.json
    const namespace = `cr-${bridge}`;
    this.child = spawn(
      'dockerd',
      [
        ...[
          '--config-file',
          join(this.dir, 'daemon.json'),
          '--containerd-namespace',
          namespace,
          '--containerd-plugins-namespace',
          `${namespace}-p`,
        ],
        ...['-H', this.host, ...(this.options.listen ? ['-H', this.options.listen] : [])],
        ...['--data-root', join(this.dir, 'data'), '--exec-root', this.execRoot, '--pidfile', join(this.dir, 'dockerd.pid')],
        ...[`--bridge=${bridge}`, '--iptables=false', '--ip-masq=false', '--log-level', 'warn'],
        ...(this.options.extraArgs ?? []),
      ],
      { stdio: ['ignore', 'ignore', openSync(this.log, 'a')] },
    );
    await waitFor(`the private dockerd on ${this.socket}`, () => this.engine.ping().then(() => true), 30_000, 200);
    this.version = (await this.engine.version()).Version;
    if (RIG_ENGINE === 'docker26' && !this.version.startsWith('26.')) {
      throw new Error(`RIG_ENGINE=docker26 but the dockerd on PATH is ${this.version}: run scripts/rig/docker26.sh start`);
    }
  }

  /** Its version once started: the dockerd on PATH, which is dockerd 26 under RIG_ENGINE=docker26. */
  version = '';

  /** The last lines of its log, for a failure's message. */
  logTail(lines = 30): string {
    const text = existsSync(this.log) ? readFileSync(this.log, 'utf8').split('\n').slice(-lines).join('\n') : '';
    return `--- private dockerd ${this.socket}\n${text}`;
  }

  /** Loads the rig's busybox test image into this daemon. */
  loadTestImage(): void {
    execSync(`docker save ${IMAGE} | docker -H ${this.host} load -q`, { stdio: 'pipe' });
  }

  /** SIGTERM, then SIGKILL if it has not exited within 20 s; its containers stop with it. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Removes its containers, stops it, and leaves nothing behind: mounts, folders, bridge. Each step on its own. */
  async destroy(): Promise<void> {
    const steps: (() => unknown)[] = [
      async () => {
        for (const c of await this.engine.listContainers({ all: true })) await this.engine.getContainer(c.Id).remove({ force: true });
      },
      () => this.stop(),
      // dockerd leaves its namespace bind mount (exec-root/netns/default) behind.
      () => {
        for (const mount of readFileSync('/proc/mounts', 'utf8')
          .split('\n')
          .map((l) => l.split(' ')[1] ?? '')) {
          if (mount.startsWith(`${this.execRoot}/`)) execSync(`umount -l ${mount}`);
        }
      },
      () => [this.dir, this.execRoot].forEach((d) => rmSync(d, { recursive: true, force: true })),
      () => execSync(`ip link del ${this.options.bridge} 2>/dev/null || true`),
    ];
    for (const step of steps)
      await Promise.resolve()
        .then(step)
        .catch(() => undefined);
  }
}
