import type Docker from 'dockerode';
import type { ContainerInspectInfo } from 'dockerode';
import type { ContainerFacts } from '../model/facts.js';
import { factsFromInspect } from './facts.js';

/** The container's facts now, or undefined when Docker no longer knows it (removed). */
export async function inspectFacts(docker: Docker, id: string): Promise<ContainerFacts | undefined> {
  const info = await inspectOrUndefined(docker, id);
  if (!info) return undefined;
  // `--network container:X` shares X's network namespace: X's networks are this one's too.
  const mode = info.HostConfig.NetworkMode ?? '';
  const shared = mode.startsWith('container:') ? await inspectOrUndefined(docker, mode.slice('container:'.length)) : undefined;
  return factsFromInspect(info, shared ?? info);
}

async function inspectOrUndefined(docker: Docker, id: string): Promise<ContainerInspectInfo | undefined> {
  try {
    return await docker.getContainer(id).inspect();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}

/** IDs of the containers Docker reports as running (paused ones included). */
export async function runningContainerIds(docker: Docker): Promise<string[]> {
  const list = await docker.listContainers({ filters: { status: ['running', 'paused'] } });
  return list.map((c) => c.Id);
}
