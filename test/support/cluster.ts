// Helpers for the three-host test cluster that scripts/cluster/up.sh builds: each host is a network
// namespace with its own dockerd (socket under /run) and Consul server, on one LAN with this process.
// Names, addresses and paths here follow scripts/cluster/env.sh (three hosts, 10.99.N.1, crhostN).
import { execFile } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { PACKAGE_VERSION } from './registrar-process.js';
import { execOutput, IMAGE } from './rig.js';

const SCRIPTS = fileURLToPath(new URL('../../scripts/cluster/', import.meta.url));
export const REGISTRAR_IMAGE = process.env.REGISTRAR_IMAGE ?? `consul-registrar:${PACKAGE_VERSION}`;

export class Host {
  readonly docker: Docker;
  readonly ip: string;
  readonly socket: string;
  private readonly resolver = new Resolver({ timeout: 1000, tries: 1 });

  constructor(readonly n: number) {
    this.ip = `10.99.${n}.1`;
    this.socket = `/run/consul-registrar-cluster/host${n}/docker.sock`;
    this.docker = new Docker({ socketPath: this.socket });
    this.resolver.setServers([this.ip]); // the host's Consul agent serves DNS on port 53
  }

  get name(): string {
    return `crhost${this.n}`;
  }

  /**
   * A (or AAAA) answers of this host's Consul DNS for NAME.service.consul; [] for "no such name"
   * or no records. Anything else (a timeout) throws: an unanswered query is not an empty answer.
   */
  async dns(service: string, family: 4 | 6 = 4): Promise<string[]> {
    const name = `${service}.service.consul`;
    return (family === 4 ? this.resolver.resolve4(name) : this.resolver.resolve6(name)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOTFOUND' || err.code === 'ENODATA') return [];
      throw new Error(`${this.name} DNS ${name}: ${err.code ?? err.message}`);
    });
  }

  async consul(path: string): Promise<unknown> {
    const res = await fetch(`http://${this.ip}:8500/v1${path}`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) throw new Error(`${this.name} GET ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  }

  /** Starts a busybox container (as `user`, when given); `networks` beyond the first are connected after creation. */
  async run(
    name: string,
    cmd: string[],
    labels: Record<string, string> = {},
    networks = ['bridge'],
    user?: string,
  ): Promise<Docker.Container> {
    const container = await this.docker.createContainer({
      name,
      Image: IMAGE,
      Cmd: cmd,
      Labels: labels,
      HostConfig: { NetworkMode: networks[0]! },
      ...(user ? { User: user } : {}),
    });
    for (const network of networks.slice(1)) await this.docker.getNetwork(network).connect({ Container: name });
    await container.start();
    return container;
  }

  async address(name: string, network: string, family: 4 | 6 = 4): Promise<string> {
    const net = (await this.docker.getContainer(name).inspect()).NetworkSettings.Networks[network]!;
    return family === 4 ? net.IPAddress : net.GlobalIPv6Address;
  }

  /** Runs a command in a container, as its own user or as `user`. */
  exec(container: string, cmd: string[], user?: string): Promise<{ code: number; output: string }> {
    return execOutput(this.docker, container, cmd, user);
  }

  /** Addresses busybox nslookup prints for NAME (asked through the container's own resolver). */
  async lookupFrom(container: string, name: string, type: 'a' | 'aaaa' = 'a'): Promise<string[]> {
    const { output } = await this.exec(container, ['nslookup', `-type=${type}`, name]);
    const answers = output
      .split(/^Name:/m)
      .slice(1)
      .join('\n');
    return [...answers.matchAll(/Address:\s*(\S+)/g)].map((m) => m[1]!);
  }

  /** Removes every container on this host (all of them belong to the tests). */
  async clear(): Promise<void> {
    const all = await this.docker.listContainers({ all: true });
    await Promise.all(all.map((c) => this.docker.getContainer(c.Id).remove({ force: true })));
  }

  /** host N's Consul server: SIGKILL (a crash, data kept) or start. */
  async agent(action: 'kill' | 'start'): Promise<void> {
    await promisify(execFile)(`${SCRIPTS}agent.sh`, [String(this.n), action]);
  }
}

export const hosts = [new Host(1), new Host(2), new Host(3)];

/** Fails loudly, naming the fix, when the cluster is not up: the cluster test never skips. */
export async function requireCluster(): Promise<void> {
  for (const host of hosts) {
    await host.docker.ping().catch((err: Error) => {
      throw new Error(`${host.name}'s dockerd does not answer on ${host.socket} (${err.message}); run scripts/cluster/up.sh`);
    });
    await host.docker
      .getImage(REGISTRAR_IMAGE)
      .inspect()
      .catch(() => {
        throw new Error(`${host.name} has no ${REGISTRAR_IMAGE}; run scripts/cluster/up.sh`);
      });
    await host.consul('/status/leader').catch((err: Error) => {
      throw new Error(`${host.name}'s Consul does not answer on ${host.ip}:8500 (${err.message}); run scripts/cluster/up.sh`);
    });
  }
}
