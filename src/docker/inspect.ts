import type { ContainerInspectInfo } from 'dockerode';
import type { ContainerFacts } from '../model/facts.js';
import { factsFromInspect } from './facts.js';

/** What reading containers asks of the engine (dockerode's calls; an in-memory engine in tests). */
export interface ContainerReads {
  getContainer(id: string): { inspect(): Promise<ContainerInspectInfo> };
  listContainers(options: { filters: { status: string[] } }): Promise<{ Id: string }[]>;
}

/** The container's facts now, or undefined when Docker no longer knows it (removed). */
export async function inspectFacts(docker: ContainerReads, id: string): Promise<ContainerFacts | undefined> {
  const info = await inspectOrUndefined(docker, id);
  if (!info) return undefined;
  // `--network container:X` shares X's network namespace: X's networks are this one's too.
  const mode = info.HostConfig.NetworkMode ?? '';
  const shared = mode.startsWith('container:') ? await inspectOrUndefined(docker, mode.slice('container:'.length)) : undefined;
  return factsFromInspect(info, shared ?? info);
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
  return { inspect: (id) => inspectFacts(docker, id), runningIds: () => runningContainerIds(docker) };
}
