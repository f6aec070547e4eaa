// A private Consul dev agent on its own ports, for tests that stop, kill and restart Consul
// without disturbing the rig's shared agent on 8500. A dev agent keeps nothing on disk, so a
// restart is an agent that lost its state.
import { spawn, type ChildProcess } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './rig.js';

export const RIG_DIR = process.env.RIG_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'consul-registrar-rig');
export const CONSUL_BINARY = join(RIG_DIR, 'consul');

export class PrivateConsul {
  private child: ChildProcess | undefined;

  /** base: the HTTP port; DNS, serf and server ports follow it. acl: deny by default, MASTER_TOKEN for all. */
  constructor(
    readonly base = 18500,
    private readonly acl = false,
    private readonly extraArgs: string[] = [],
  ) {}

  get pid(): number {
    return this.child?.pid ?? 0;
  }

  static readonly MASTER_TOKEN = 'rig-master-token';

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
      [
        'agent',
        '-dev',
        '-node',
        `private-${b}`,
        '-client',
        '127.0.0.1',
        '-bind',
        '127.0.0.1',
        '-log-level',
        'error',
        '-http-port',
        `${b}`,
        '-dns-port',
        `${b + 100}`,
        '-server-port',
        `${b + 1}`,
        '-serf-lan-port',
        `${b + 2}`,
        '-serf-wan-port',
        `${b + 3}`,
        '-grpc-port',
        '-1',
        ...(this.acl
          ? ['-hcl', `acl { enabled = true, default_policy = "deny", tokens { master = "${PrivateConsul.MASTER_TOKEN}" } }`]
          : []),
        ...this.extraArgs,
      ],
      { stdio: 'ignore' },
    );
    await waitFor(
      `private Consul on ${this.addr}`,
      async () => {
        const res = await fetch(`${this.url}/status/leader`);
        return res.ok && (await res.text()).includes(':');
      },
      20_000,
      100,
    );
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
    return (await this.call('GET', `/agent/services?filter=${encodeURIComponent(filter)}`)) as never;
  }

  async register(body: object): Promise<void> {
    await this.call('PUT', '/agent/service/register', body);
  }

  /** An ACL token allowed to write only services whose names start with `prefix` (ACL mode). */
  async tokenForServicePrefix(prefix: string): Promise<string> {
    const rules =
      `service_prefix "${prefix}" { policy = "write" }\nservice_prefix "" { policy = "read" }\n` +
      'agent_prefix "" { policy = "read" }\nnode_prefix "" { policy = "read" }';
    const policy = (await this.call('PUT', '/acl/policy', {
      Name: `write-${prefix || 'all'}-${Math.random().toString(36).slice(2, 8)}`,
      Rules: rules,
    })) as { ID: string };
    const token = (await this.call('PUT', '/acl/token', { Policies: [{ ID: policy.ID }] })) as { SecretID: string };
    return token.SecretID;
  }

  /** An ACL token with exactly these rules (ACL mode). */
  async tokenWithRules(rules: string): Promise<string> {
    const policy = (await this.call('PUT', '/acl/policy', { Name: `rules-${Math.random().toString(36).slice(2, 10)}`, Rules: rules })) as {
      ID: string;
    };
    const token = (await this.call('PUT', '/acl/token', { Policies: [{ ID: policy.ID }] })) as { SecretID: string };
    return token.SecretID;
  }

  /** A request with the master token (or none without ACLs); throws unless it succeeds. */
  async asMaster(method: string, path: string, body?: object): Promise<unknown> {
    return this.call(method, path, body);
  }

  /** Deletes the ACL token whose secret this is (a revocation, as an operator would do it). */
  async revokeToken(secret: string): Promise<void> {
    const res = await fetch(`${this.url}/acl/token/self`, { headers: { 'X-Consul-Token': secret } });
    const { AccessorID } = (await res.json()) as { AccessorID: string };
    await this.call('DELETE', `/acl/token/${AccessorID}`);
  }

  private async call(method: string, path: string, body?: object): Promise<unknown> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: this.acl ? { 'X-Consul-Token': PrivateConsul.MASTER_TOKEN } : {},
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (!res.ok) throw new Error(`private Consul ${method} ${path}: ${res.status} ${await res.text()}`);
    const text = await res.text();
    return text === '' ? undefined : JSON.parse(text);
  }
}
