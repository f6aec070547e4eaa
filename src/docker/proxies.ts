import type Docker from 'dockerode';
import { PROXY_LABELS } from '../model/connect.js';
import type { ProxySpec } from '../model/registration.js';
import type { ProxyFact } from '../model/facts.js';

/** The proxy keeper's Docker (reconcile/sidecar-proxies.ts ProxyEngine): dockerode calls. */
export class DockerProxies {
  constructor(
    private readonly docker: Docker,
    private readonly runningIdsOf: () => Promise<string[]>,
  ) {}

  async list(hostId: string, appId?: string): Promise<ProxyFact[]> {
    const label = [`${PROXY_LABELS.host}=${hostId}`, ...(appId ? [`${PROXY_LABELS.app}=${appId}`] : [PROXY_LABELS.app])];
    const containers = await this.docker.listContainers({ all: true, filters: { label } });
    return containers.map((c) => ({
      id: c.Id,
      appId: c.Labels[PROXY_LABELS.app] ?? '',
      sidecarId: c.Labels[PROXY_LABELS.sidecar] ?? '',
      fingerprint: c.Labels[PROXY_LABELS.fingerprint] ?? '',
      running: c.State === 'running',
      ...(c.Labels[PROXY_LABELS.tokenAccessor] ? { tokenAccessor: c.Labels[PROXY_LABELS.tokenAccessor] } : {}),
    }));
  }

  async run(spec: ProxySpec, labels: Record<string, string>, secretEnv: Record<string, string> = {}): Promise<void> {
    const body = {
      Image: spec.image,
      Cmd: spec.cmd,
      Env: Object.entries({ ...spec.env, ...secretEnv }).map(([key, value]) => `${key}=${value}`),
      // SERVICE_IGNORE: neither this registrar nor Registrator registers a proxy as a service of its own.
      Labels: { ...labels, SERVICE_IGNORE: 'true' },
      HostConfig: {
        NetworkMode: `container:${spec.appId}`,
        // A proxy needs no privilege: its ports are above 1024 or allowed by the app's namespace.
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        ReadonlyRootfs: true,
        Tmpfs: { '/tmp': 'size=16m' },
        RestartPolicy: { Name: 'no' }, // the registrar restarts it, with backoff, level-triggered
        // Bounded, so that an app's proxy cannot take the host's memory, CPU or PIDs; swap no more than memory.
        Memory: spec.limits.memoryBytes,
        MemorySwap: spec.limits.memoryBytes,
        NanoCpus: spec.limits.nanoCpus,
        PidsLimit: spec.limits.pids,
        // Under the app's cgroup parent, when it has one: limits the operator set there cover its proxy too.
        ...(spec.cgroupParent ? { CgroupParent: spec.cgroupParent } : {}),
      },
    };
    let container;
    try {
      container = await this.create(spec, body);
    } catch (err) {
      // An image not on this host yet is pulled, as `docker run` would (a 404 may also be a vanished app).
      if (!/no such image/i.test(String((err as Error).message))) throw err;
      await this.pull(spec.image);
      container = await this.create(spec, body);
    }
    await container.start();
  }

  private async create(spec: ProxySpec, body: Docker.ContainerCreateOptions): Promise<Docker.Container> {
    try {
      return await this.docker.createContainer({ name: spec.name, ...body });
    } catch (err) {
      // The name is for people; one taken by a container the registrar does not know is no reason to go without a proxy.
      if ((err as { statusCode?: number }).statusCode !== 409) throw err;
      return this.docker.createContainer(body);
    }
  }

  private async pull(image: string): Promise<void> {
    const stream = await this.docker.pull(image);
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve()));
    });
  }

  async remove(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true });
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      if (status !== 404 && status !== 409) throw err; // 409: already being removed
    }
  }

  runningIds(): Promise<string[]> {
    return this.runningIdsOf();
  }
}
