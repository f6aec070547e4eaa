// CPU of the reconciler's own work per container start and stop, without Docker, Consul or HTTP: the
// real Reconciler, model and logger (to /dev/null) against an agent kept in a map, each start's facts
// read from a real `docker inspect` document (parsed per start, as dockerode does). SYNC_N (2000)
// starts then stops (20 at a time), after SYNC_WARM (200) of each; process CPU (user + sys) per container. Run under
// the registrar's flags: `node --no-opt --max-semi-space-size=1 --import tsx bench/sync-cpu.ts`.
import { openSync } from 'node:fs';
import type { ContainerInspectInfo } from 'dockerode';
import pino from 'pino';
import { capabilitiesOf } from '../src/consul/capabilities.js';
import { factsFromInspect } from '../src/docker/facts.js';
import type { ContainerFacts } from '../src/model/facts.js';
import type { Registration } from '../src/model/registration.js';
import { Reconciler, type ContainerSource } from '../src/reconcile/reconciler.js';
import type { AgentService, ServiceAgent } from '../src/reconcile/service-agent.js';
import { options } from '../test/unit/support/fixtures.js';
import { envInt } from './support.js';

const N = envInt('SYNC_N', 2000);
const WARM = envInt('SYNC_WARM', 200);
const HOST = 'bench-host';
const BATCH = 20;

/** What `docker inspect` says of a running busybox with one exposed port, SERVICE_NAME and two more labels. */
function inspectJson(id: string, name: string): string {
  return JSON.stringify({
    Id: id,
    Name: `/${name}`,
    State: { Running: true, Paused: false, ExitCode: 0, Pid: 4242, StartedAt: new Date().toISOString() },
    Config: {
      Image: 'busybox:latest',
      Hostname: id.slice(0, 12),
      User: '',
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      ExposedPorts: { '8080/tcp': {} },
      Labels: { SERVICE_NAME: name, 'com.example.team': 'bench', 'org.opencontainers.image.version': '1.36' },
    },
    HostConfig: { NetworkMode: 'bridge' },
    NetworkSettings: {
      Ports: { '8080/tcp': null },
      Networks: {
        bridge: { NetworkID: 'n'.repeat(64), IPAddress: '172.17.0.9', IPPrefixLen: 16, Gateway: '172.17.0.1', GlobalIPv6Address: '' },
      },
    },
  });
}

class JsonDocker implements ContainerSource {
  readonly documents = new Map<string, string>();
  async inspect(id: string): Promise<ContainerFacts | undefined> {
    const doc = this.documents.get(id);
    return doc === undefined ? undefined : factsFromInspect(JSON.parse(doc) as ContainerInspectInfo);
  }
  async runningIds(): Promise<string[]> {
    return [...this.documents.keys()];
  }
}

/**
 * An agent that answers from a map in a few µs, so that the figure is the reconciler's: the
 * in-memory agent of the unit tests evaluates its filters over every service, which costs more.
 */
class MapAgent implements ServiceAgent {
  readonly services = new Map<string, AgentService>();
  private matching(meta: Record<string, string>, prefixes: string[] = []): AgentService[] {
    const pairs = Object.entries(meta);
    const lower = prefixes.map((p) => p.toLowerCase());
    return [...this.services.values()].filter(
      (s) => pairs.every(([k, v]) => s.meta[k] === v) || lower.some((p) => s.id.toLowerCase().startsWith(p)),
    );
  }
  async servicesWithMeta(meta: Record<string, string>): Promise<AgentService[]> {
    return this.matching(meta);
  }
  async servicesWithIds(ids: string[]): Promise<AgentService[]> {
    const wanted = new Set(ids.map((id) => id.toLowerCase()));
    return [...this.services.values()].filter((s) => wanted.has(s.id.toLowerCase()));
  }
  async servicesWithMetaOrIdPrefixes(meta: Record<string, string>, prefixes: string[]): Promise<AgentService[]> {
    return this.matching(meta, prefixes);
  }
  async servicesWithIdMatching(expression: string): Promise<AgentService[]> {
    const re = new RegExp(`^(?:${expression})$`);
    return [...this.services.values()].filter((s) => re.test(s.id));
  }
  async answersInDns(): Promise<boolean> {
    return true;
  }
  async checks(): Promise<[]> {
    return [];
  }
  async register(reg: Registration): Promise<void> {
    // As the agent takes it: the body's JSON.
    const body = JSON.parse(JSON.stringify(reg)) as Registration;
    this.services.set(body.ID, { id: body.ID, name: body.Name, address: body.Address, port: body.Port, meta: body.Meta });
  }
  async deregister(serviceId: string): Promise<void> {
    this.services.delete(serviceId);
  }
}

async function main(): Promise<void> {
  const docker = new JsonDocker();
  const agent = new MapAgent();
  const logger = pino({ level: 'info' }, pino.destination({ fd: openSync('/dev/null', 'w'), sync: true }));
  const model = options({ hostId: HOST, hostIp: '10.0.0.5' });
  const reconciler = new Reconciler({
    docker,
    consul: agent,
    options: { model, deregister: 'always', capabilities: capabilitiesOf([1, 21, 0]), concurrency: 4 },
    logger,
  });
  // Batches of BATCH starts then their stops, so that the map stays as small as a host's agent.
  const cycle = async (from: number, n: number): Promise<{ start: number; stop: number }> => {
    const total = { start: 0, stop: 0 };
    const add = (key: 'start' | 'stop', u: NodeJS.CpuUsage) => (total[key] += u.user + u.system);
    for (let b = from; b < from + n; b += BATCH) {
      const ids = Array.from({ length: BATCH }, (_, i) => (b + i).toString(16).padStart(64, '0'));
      let cpu = process.cpuUsage();
      for (const [i, id] of ids.entries()) {
        const name = `bench-${b + i}`;
        docker.documents.set(id, inspectJson(id, name));
        await reconciler.syncContainer(id, { seen: { name, labels: { SERVICE_NAME: name, name } } });
      }
      add('start', process.cpuUsage(cpu));
      cpu = process.cpuUsage();
      for (const [i, id] of ids.entries()) {
        docker.documents.delete(id);
        await reconciler.syncContainer(id, { stopped: { name: `bench-${b + i}`, exitCode: 0, removed: false } });
      }
      add('stop', process.cpuUsage(cpu));
    }
    return { start: total.start / n, stop: total.stop / n };
  };
  await cycle(0, WARM);
  if (agent.services.size !== 0) throw new Error(`${agent.services.size} services left after the warm-up`);
  const { start, stop } = await cycle(WARM, N);
  process.stdout.write(`${N} starts: ${start.toFixed(1)} µs CPU each; ${N} stops: ${stop.toFixed(1)} µs CPU each\n`);
}

main().then(
  () => process.exit(),
  (err: unknown) => {
    process.stderr.write(`sync-cpu: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
