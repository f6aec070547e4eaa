// Helpers for tests against the real dockerd and Consul agent that scripts/rig/up.sh starts.
// Everything a test creates carries the label below and is removed by cleanup().
// RIG_ENGINE=podman runs the same tests against Podman's Docker-compatible API service that
// scripts/rig/podman.sh starts, RIG_ENGINE=docker26 against the dockerd 26 that scripts/rig/docker26.sh
// starts beside the machine's own: the tests' client and every registrar they start use its socket.
import { execSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { randomBytes } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';

export const TEST_LABEL = 'consul-registrar-test';
export const IMAGE = process.env.RIG_IMAGE ?? 'consul-registrar-test/busybox:4';
export const CONSUL = 'http://127.0.0.1:8500/v1';
/** Which of the rig's engines the tests run against (RIG_ENGINE): the machine's Docker, dockerd 26 or Podman. */
export const RIG_ENGINE: 'docker' | 'docker26' | 'podman' =
  process.env.RIG_ENGINE === 'podman' || process.env.RIG_ENGINE === 'docker26' ? process.env.RIG_ENGINE : 'docker';
/** The kind of engine, for the few tests whose expectations differ between dockerd and Podman. */
export const ENGINE: 'docker' | 'podman' = RIG_ENGINE === 'podman' ? 'podman' : 'docker';
const rigDir = process.env.RIG_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'consul-registrar-rig');
export const ENGINE_SOCKET = {
  docker: '/var/run/docker.sock',
  docker26: join(rigDir, 'docker26', 'docker.sock'),
  podman: process.env.RIG_PODMAN_SOCKET ?? join(rigDir, 'podman', 'podman.sock'),
}[RIG_ENGINE];
// Registrars started by the tests (and the docker CLI the helpers run) read DOCKER_HOST.
if (RIG_ENGINE !== 'docker') process.env.DOCKER_HOST = `unix://${ENGINE_SOCKET}`;
// A test's private dockerd is then the same version as the engine under test.
if (RIG_ENGINE === 'docker26') {
  const pkg = join(rigDir, 'docker26', 'pkg', 'usr');
  process.env.PATH = `${join(pkg, 'sbin')}:${join(pkg, 'bin')}:${process.env.PATH ?? ''}`;
}
export const docker = new Docker({ socketPath: ENGINE_SOCKET });
/** The network a container on the default bridge is reported on: Docker's `bridge`, Podman's `podman`. */
export const DEFAULT_NETWORK = ENGINE === 'podman' ? 'podman' : 'bridge';

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

/** Fails loudly, naming the fix, when the rig is not up: integration tests never skip. */
export async function requireRig(): Promise<void> {
  try {
    await docker.ping();
  } catch (err) {
    const [what, fix] = {
      docker: ['dockerd', 'scripts/rig/up.sh'],
      docker26: ['dockerd 26', 'scripts/rig/docker26.sh start'],
      podman: ["Podman's API service", 'scripts/rig/podman.sh start'],
    }[RIG_ENGINE];
    throw new Error(`${what} is not reachable on ${ENGINE_SOCKET} (${(err as Error).message}); run ${fix}`, { cause: err });
  }
  // The engine under test is the one asked for, never a fallback that happens to answer.
  const { Version, Components } = await docker.version();
  const podman = (Components ?? []).some((c) => /podman/i.test(c.Name));
  if (podman !== (RIG_ENGINE === 'podman') || (RIG_ENGINE === 'docker26' && !Version.startsWith('26.'))) {
    throw new Error(`RIG_ENGINE=${RIG_ENGINE} but ${ENGINE_SOCKET} answers as ${podman ? 'Podman' : 'dockerd'} ${Version}`);
  }
  const res = await fetch(`${CONSUL}/status/leader`).catch((err: Error) => err);
  if (res instanceof Error || !res.ok) throw new Error('Consul is not reachable on 127.0.0.1:8500; run scripts/rig/up.sh');
  await docker
    .getImage(IMAGE)
    .inspect()
    .catch(() => {
      throw new Error(`test image ${IMAGE} is missing; run scripts/rig/up.sh`);
    });
}

export interface RunOptions {
  name: string;
  /** Another image than the rig's busybox (e.g. noShellImage()). */
  image?: string;
  cmd: string[];
  labels?: Record<string, string>;
  env?: Record<string, string>;
  expose?: string[];
  network?: string;
  restart?: 'always' | 'no';
  /** Config.User: the container's processes (and its script checks) run as it. */
  user?: string;
  healthcheck?: { Test: string[]; Interval: number; Timeout?: number; Retries?: number };
}

export async function runContainer(o: RunOptions, engine: Docker = docker): Promise<Docker.Container> {
  const container = await engine.createContainer({
    name: o.name,
    Image: o.image ?? IMAGE,
    Cmd: o.cmd,
    Labels: { [TEST_LABEL]: '1', ...o.labels },
    Env: Object.entries(o.env ?? {}).map(([k, v]) => `${k}=${v}`),
    ExposedPorts: Object.fromEntries((o.expose ?? []).map((p) => [p.includes('/') ? p : `${p}/tcp`, {}])),
    HostConfig: { NetworkMode: o.network ?? 'bridge', RestartPolicy: { Name: o.restart ?? 'no' } },
    ...(o.user ? { User: o.user } : {}),
    ...(o.healthcheck ? { Healthcheck: o.healthcheck } : {}),
  });
  await container.start();
  return container;
}

/** An image with no shell at all, only busybox as /bin/sleep (built here, offline, the first time). */
export function noShellImage(): string {
  const image = 'consul-registrar-test/noshell:1';
  execSync(
    `docker image inspect ${image} >/dev/null 2>&1 || { d=$(mktemp -d) && mkdir -p "$d/bin" && cp /bin/busybox "$d/bin/sleep" && ` +
      `tar -C "$d" -c . | docker import -c 'CMD ["sleep","600"]' - ${image} >/dev/null; rc=$?; rm -rf "$d"; exit $rc; }`,
    { shell: '/bin/bash', stdio: 'pipe' },
  );
  return image;
}

export async function containerIp(name: string, network = DEFAULT_NETWORK): Promise<string> {
  const info = await docker.getContainer(name).inspect();
  return info.NetworkSettings.Networks[network]!.IPAddress;
}

/**
 * The address a container on the default network reaches the host at: its own gateway, as the
 * engine reports it to the container. The network's IPAM config is no source: a dockerd that made
 * docker0 itself leaves its Gateway empty there.
 */
export async function bridgeGateway(): Promise<string> {
  const probe = await runContainer({ name: uniqueName('gateway-probe'), cmd: ['sleep', '30'] });
  try {
    const gateway = (await probe.inspect()).NetworkSettings.Networks[DEFAULT_NETWORK]?.Gateway;
    if (!gateway) throw new Error(`a container on the ${DEFAULT_NETWORK} network has no gateway: proxies could not reach the agent`);
    return gateway;
  } finally {
    await probe.remove({ force: true });
  }
}

export async function createNetwork(name: string, subnet: string): Promise<void> {
  await docker.createNetwork({ Name: name, Labels: { [TEST_LABEL]: '1' }, IPAM: { Config: [{ Subnet: subnet }] } });
}

/** Runs `fn` over `items`, at most `n` at a time (item and index), in order of the items. */
export async function inBatches<T>(items: T[], n: number, fn: (item: T, index: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += n) await Promise.all(items.slice(i, i + n).map((item, j) => fn(item, i + j)));
}

/**
 * Removes the containers and networks the tests made, and the services of the given host IDs.
 * Removals go 16 at a time: hundreds of forced removals at once are a load no test means to make.
 */
export async function cleanup(hostIds: string[] = []): Promise<void> {
  const containers = await docker.listContainers({ all: true, filters: { label: [TEST_LABEL] } });
  await inBatches(containers, 16, (c) =>
    docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => undefined),
  );
  const networks = await docker.listNetworks({ filters: { label: [TEST_LABEL] } });
  await Promise.all(
    networks.map((n) =>
      docker
        .getNetwork(n.Id)
        .remove()
        .catch(() => undefined),
    ),
  );
  for (const hostId of hostIds) {
    for (const id of Object.keys(await agentServices(`Meta.registrar_host == "${hostId}"`))) await deregister(id);
  }
}

export interface AgentService {
  ID: string;
  Service: string;
  Address: string;
  Port: number;
  Tags: string[];
  Meta: Record<string, string>;
}

export async function agentServices(filter?: string): Promise<Record<string, AgentService>> {
  const query = filter ? `?filter=${encodeURIComponent(filter)}` : '';
  return (await consulJson(`/agent/services${query}`)) as Record<string, AgentService>;
}

export async function catalogService(name: string): Promise<{ ServiceID: string; ServiceAddress: string; ServicePort: number }[]> {
  return (await consulJson(`/catalog/service/${name}`)) as never;
}

/** Runs a command in a container and waits for it to end (test set-up, not the registrar's executors). */
export async function execIn(name: string, cmd: string[]): Promise<void> {
  await execOutput(docker, name, cmd);
}

/** Runs a command in a container on `engine`, returning its exit code and output. */
export async function execOutput(engine: Docker, name: string, cmd: string[], user?: string): Promise<{ code: number; output: string }> {
  const exec = await engine.getContainer(name).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, ...(user ? { User: user } : {}) });
  const stream = await exec.start({ hijack: true, stdin: false });
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  engine.modem.demuxStream(stream, sink, sink);
  await new Promise((resolve) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
  });
  // The stream can end a moment before the engine records the exit code.
  const { ExitCode } = await waitFor(
    `the exit of ${cmd[0]} in ${name}`,
    async () => {
      const state = await exec.inspect();
      return !state.Running && state;
    },
    5000,
    20,
  );
  return { code: ExitCode ?? -1, output: Buffer.concat(chunks).toString() };
}

export async function checksOf(serviceId: string): Promise<{ CheckID: string; Status: string; Output: string }[]> {
  const checks = (await consulJson(`/agent/checks?filter=${encodeURIComponent(`ServiceID == "${serviceId}"`)}`)) as Record<string, never>;
  return Object.values(checks);
}

export async function registerForeign(body: object): Promise<void> {
  const res = await fetch(`${CONSUL}/agent/service/register`, { method: 'PUT', body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`register failed: ${res.status} ${await res.text()}`);
}

export async function deregister(id: string): Promise<void> {
  await fetch(`${CONSUL}/agent/service/deregister/${encodeURIComponent(id)}`, { method: 'PUT' });
}

/** A test's request to Consul gives up after this long, with an error that says so, rather than waiting out a whole test. */
const CONSUL_REQUEST_MS = 5_000;

/**
 * GET on the rig's agent, each on a connection of its own: once, under Podman's churn, every pooled
 * request of a test's fetch came back ECONNRESET for 10 s, and a test's reads are too few to need a pool.
 */
export async function consulJson(path: string): Promise<unknown> {
  const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpGet(`${CONSUL}${path}`, { agent: false, timeout: CONSUL_REQUEST_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${CONSUL_REQUEST_MS} ms`)));
    req.on('error', (err) => reject(new Error(`GET ${path}: ${errorText(err)}`, { cause: err })));
  });
  if (status !== 200) throw new Error(`GET ${path}: ${status} ${body}`);
  return JSON.parse(body);
}

const resolver = new Resolver({ timeout: 1000, tries: 1 });
resolver.setServers(['127.0.0.1:8600']);

/** A records Consul DNS gives for NAME.service.consul ([] for NXDOMAIN). */
export async function dnsA(name: string): Promise<string[]> {
  return resolver.resolve4(`${name}.service.consul`).catch(() => []);
}

/** Consul DNS's A records for NAME.service.consul, or 'error' when it did not answer at all (not the same as an empty answer). */
export async function dnsAnswer(name: string): Promise<string[] | 'error'> {
  try {
    return await resolver.resolve4(`${name}.service.consul`);
  } catch (err) {
    return ['ENOTFOUND', 'ENODATA'].includes((err as NodeJS.ErrnoException).code ?? '') ? [] : 'error';
  }
}

export async function dnsSrv(name: string): Promise<{ port: number; name: string; weight: number; priority: number }[]> {
  return resolver.resolveSrv(`${name}.service.consul`).catch(() => []);
}

/** Polls until `probe` returns a value that is not undefined/false, or fails naming what was awaited. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 10_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  // A probe that never answers must not hold the wait past its deadline: that is the diagnosis.
  let timer: NodeJS.Timeout | undefined;
  const over = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the last probe was still unanswered at the deadline')), timeoutMs);
  });
  over.catch(() => undefined);
  let last: unknown;
  try {
    while (Date.now() < deadline) {
      try {
        const value = await Promise.race([probe(), over]);
        if (value !== undefined && value !== false) return value;
      } catch (err) {
        last = err;
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  } finally {
    clearTimeout(timer);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${errorText(last)})` : ''}`);
}

/** The last lines of the logs of the rig's daemons under test (engine and Consul), for a failure's message. */
export function daemonLogs(lines = 30): string {
  const logs = {
    docker: [join(rigDir, 'dockerd.log')],
    docker26: [join(rigDir, 'docker26', 'dockerd.log')],
    podman: [join(rigDir, 'podman.log')],
  }[RIG_ENGINE];
  return [...logs, join(rigDir, 'consul.log')]
    .map((file) => {
      const text = existsSync(file)
        ? readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n')
        : '(none: a daemon the rig did not start)';
      return `--- ${file}\n${text}`;
    })
    .join('\n');
}

/** An error's message with its cause (fetch says only "fetch failed"; the cause says why). */
function errorText(err: unknown): string {
  const { message, cause } = err as Error & { cause?: { code?: string; message?: string } };
  return cause ? `${message}: ${cause.code ?? cause.message}` : message;
}
