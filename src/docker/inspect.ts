import type { ContainerInspectInfo } from 'dockerode';
import type { ContainerFacts } from '../model/facts.js';
import { SWARM_LABELS } from '../model/swarm-task.js';
import { factsFromInspect } from './facts.js';

/** What reading containers asks of the engine (dockerode's calls; an in-memory engine in tests). */
export interface ContainerReads {
  getContainer(id: string): { inspect(): Promise<ContainerInspectInfo> };
  listContainers(options: { filters: { status: string[] } }): Promise<{ Id: string }[]>;
  /** A network's driver, for Swarm tasks (an overlay address is not routable); an engine without it reads no drivers. */
  getNetwork?(id: string): { inspect(): Promise<{ Driver?: string }> };
}

/** Network drivers by network ID: an ID names one network for good, so each is read once. */
export type DriverCache = Map<string, string>;

/** The container's facts now, or undefined when Docker no longer knows it (removed). */
export async function inspectFacts(
  docker: ContainerReads,
  id: string,
  drivers: DriverCache = new Map(),
): Promise<ContainerFacts | undefined> {
  const info = await inspectOrUndefined(docker, id);
  if (!info) return undefined;
  // `--network container:X` shares X's network namespace: X's networks are this one's too.
  const mode = info.HostConfig.NetworkMode ?? '';
  const shared = mode.startsWith('container:') ? await inspectOrUndefined(docker, mode.slice('container:'.length)) : undefined;
  const facts = factsFromInspect(info, shared ?? info);
  if (!facts.labels[SWARM_LABELS.task]) return facts;
  const ids = new Map(Object.entries((shared ?? info).NetworkSettings.Networks ?? {}).map(([name, n]) => [name, n.NetworkID ?? '']));
  const networks = await Promise.all(
    facts.networks.map(async (n) => ({ ...n, driver: await driverOf(docker, ids.get(n.name) ?? '', drivers) })),
  );
  return { ...facts, networks };
}

/** The driver of network ID, '' when it cannot be read (gone, or an engine without network reads). */
async function driverOf(docker: ContainerReads, id: string, drivers: DriverCache): Promise<string> {
  if (id === '' || !docker.getNetwork) return '';
  const known = drivers.get(id);
  if (known !== undefined) return known;
  const driver = await docker
    .getNetwork(id)
    .inspect()
    .then((n) => n.Driver ?? '')
    .catch(() => '');
  if (driver !== '') drivers.set(id, driver);
  return driver;
}

async function inspectOrUndefined(docker: ContainerReads, id: string): Promise<ContainerInspectInfo | undefined> {
  try {
    return await docker.getContainer(id).inspect();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}

/** IDs of the containers Docker reports as running (paused ones included). */
export async function runningContainerIds(docker: ContainerReads): Promise<string[]> {
  const list = await docker.listContainers({ filters: { status: ['running', 'paused'] } });
  return list.map((c) => c.Id);
}

/** The reconciler's view of the engine (reconcile/reconciler.ts ContainerSource): facts by ID, and which run. */
export function containerSource(docker: ContainerReads): {
  inspect(id: string): Promise<ContainerFacts | undefined>;
  runningIds(): Promise<string[]>;
} {
  const drivers: DriverCache = new Map();
  return { inspect: (id) => inspectFacts(docker, id, drivers), runningIds: () => runningContainerIds(docker) };
}
