// A private Consul dev agent on its own ports, for tests that stop, kill and restart Consul
// without disturbing the rig's shared agent on 8500. A dev agent keeps nothing on disk, so a
// restart is an agent that lost its state.
import { spawn, type ChildProcess } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './rig.js';

const RIG_DIR = process.env.RIG_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'consul-registrar-rig');
export const CONSUL_BINARY = join(RIG_DIR, 'consul');

export class PrivateConsul {
  private child: ChildProcess | undefined;

  /** base: the HTTP port; DNS, serf and server ports follow it. */
  constructor(readonly base = 18500) {}

  get addr(): string {
    return `127.0.0.1:${this.base}`;
  }

  get url(): string {
    return `http://${this.addr}/v1`;
  }

  async start(): Promise<void> {
    const b = this.base;
    this.child = spawn(
      CONSUL_BINARY,
      ['agent', '-dev', '-node', `private-${b}`, '-client', '127.0.0.1', '-bind', '127.0.0.1', '-log-level', 'error',
        '-http-port', `${b}`, '-dns-port', `${b + 100}`, '-server-port', `${b + 1}`, '-serf-lan-port', `${b + 2}`,
        '-serf-wan-port', `${b + 3}`, '-grpc-port', '-1'],
      { stdio: 'ignore' },
    );
    await waitFor(`private Consul on ${this.addr}`, async () => {
      const res = await fetch(`${this.url}/status/leader`);
      return res.ok && (await res.text()).includes(':');
    }, 20_000, 100);
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  async services(filter: string): Promise<Record<string, { ID: string; Meta: Record<string, string> }>> {
    const res = await fetch(`${this.url}/agent/services?filter=${encodeURIComponent(filter)}`);
    if (!res.ok) throw new Error(`private Consul: ${res.status} ${await res.text()}`);
    return (await res.json()) as never;
  }

  async register(body: object): Promise<void> {
    const res = await fetch(`${this.url}/agent/service/register`, { method: 'PUT', body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`private Consul register: ${res.status} ${await res.text()}`);
  }
}
