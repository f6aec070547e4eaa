// Containers of one test, all alike (a service on port 80 named after the container), and the
// check the fault tests end with: Consul holds exactly the running ones, nothing missing or stale.
import type Docker from 'dockerode';
import { daemonLogs, docker, runContainer, TEST_LABEL, uniqueName, waitFor } from './rig.js';

export class Fleet {
  readonly hostId = uniqueName('fault-host');
  private readonly label = `${TEST_LABEL}.fleet`;
  /** Every container this fleet made; other containers on the host (other tests) are not its business. */
  private readonly names = new Set<string>();

  constructor(
    private readonly services: (filter: string) => Promise<Record<string, unknown>>,
    /** The daemon its containers run on: the rig's, or a test's own (test/support/private-dockerd.ts). */
    private readonly engine: Docker = docker,
  ) {}

  async start(opts: { restart?: 'always' | 'no'; cmd?: string[] } = {}): Promise<string> {
    const name = uniqueName('f');
    await runContainer(
      {
        name,
        cmd: opts.cmd ?? ['sleep', '600'],
        expose: ['80'],
        labels: { [this.label]: this.hostId, SERVICE_NAME: name },
        ...(opts.restart ? { restart: opts.restart } : {}),
      },
      this.engine,
    );
    this.names.add(name);
    return name;
  }

  idOf(name: string): string {
    return `${this.hostId}:${name}:80`;
  }

  async expectedIds(): Promise<Set<string>> {
    const running = await this.engine.listContainers({ filters: { label: [`${this.label}=${this.hostId}`], status: ['running'] } });
    return new Set(running.map((c) => this.idOf(c.Names[0]!.slice(1))));
  }

  /** Owned services of this fleet's containers. */
  async ownedIds(): Promise<Set<string>> {
    const ids = Object.keys(await this.services(`Meta.registrar_host == "${this.hostId}"`));
    return new Set(ids.filter((id) => this.names.has(id.split(':')[1]!)));
  }

  /** Missing and stale service IDs right now. */
  async difference(): Promise<{ missing: string[]; stale: string[] }> {
    const [expected, owned] = await Promise.all([this.expectedIds(), this.ownedIds()]);
    return { missing: [...expected].filter((id) => !owned.has(id)), stale: [...owned].filter((id) => !expected.has(id)) };
  }

  /** Waits until Consul holds exactly the running containers; returns how long that took. */
  async converged(timeoutMs: number): Promise<number> {
    const started = Date.now();
    let last = { missing: [] as string[], stale: [] as string[] };
    await waitFor(
      `convergence (last: ${JSON.stringify(last)})`,
      async () => {
        last = await this.difference();
        return last.missing.length === 0 && last.stale.length === 0;
      },
      timeoutMs,
      100,
    ).catch((err: Error) => {
      // The rig's daemons' logs say whether it was the engine or Consul that stopped answering.
      const logs = this.engine === docker ? `\n${daemonLogs()}` : '';
      throw new Error(`${err.message}; still missing ${last.missing.length}, stale ${last.stale.length}: ${JSON.stringify(last)}${logs}`);
    });
    return Date.now() - started;
  }
}
