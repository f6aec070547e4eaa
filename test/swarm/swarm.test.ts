// Swarm mode over the cluster rig: host 1 the manager, hosts 2 and 3 workers joined over the LAN, a
// swarm-scoped macvlan network "swarmlan" (each node's own --ip-range, parent eth1 on a second LAN
// bridge), the registrar as a plain container on every host. A replicated service's tasks must be in
// Consul DNS under their own addresses and native port, through scaling, a start-first rolling update
// and the loss of a worker's dockerd. scripts/swarm/up.sh builds it all.
import { execFile } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import type Docker from 'dockerode';
import { IMAGE, waitFor } from '../support/rig.js';
import { hosts, REGISTRAR_IMAGE, requireCluster, type Host } from '../support/cluster.js';

const [A, B, C] = hosts as [Host, Host, Host];
const NETWORK = 'swarmlan';
const SERVICE = 'web';
const SCRIPTS = fileURLToPath(new URL('../../scripts/cluster/', import.meta.url));
const run = promisify(execFile);
const figure = (text: string) => console.log(`      figure: ${text}`);

/** The docker CLI against host N's dockerd (services are the CLI's job; dockerode's service API is raw). */
async function docker(host: Host, ...args: string[]): Promise<string> {
  const { stdout } = await run('docker', ['-H', `unix://${host.socket}`, ...args], { timeout: 60_000 });
  return stdout.trim();
}

interface Task {
  host: Host;
  id: string;
  address: string;
  startedAt: number;
}

/** The running task containers of SERVICE on every host, with their swarmlan addresses. */
async function tasks(on: Host[] = hosts): Promise<Task[]> {
  const lists = await Promise.all(
    on.map(async (host) => {
      const list = await host.docker.listContainers({ filters: { label: [`com.docker.swarm.service.name=${SERVICE}`] } });
      return Promise.all(
        list.map(async (c) => {
          const info = await host.docker.getContainer(c.Id).inspect();
          const address = info.NetworkSettings.Networks[NETWORK]?.IPAddress ?? '';
          return { host, id: c.Id, address, startedAt: Date.parse(info.State.StartedAt) };
        }),
      );
    }),
  );
  return lists.flat().filter((t) => t.address !== '');
}

const srv = new Resolver({ timeout: 1000, tries: 1 });
srv.setServers([C.ip]);

/** C's Consul DNS answers for SERVICE, sorted. */
const answers = async (): Promise<string[]> => (await C.dns(SERVICE)).sort();
const same = (a: string[], b: string[]) => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());

/** Catalog entries of SERVICE (any health) whose address is no running task's: what a stale registration leaves. */
async function staleEntries(): Promise<number> {
  const running = new Set((await tasks()).map((t) => t.address));
  const entries = (await C.consul(`/catalog/service/${SERVICE}`)) as { ServiceAddress: string }[];
  return entries.filter((e) => !running.has(e.ServiceAddress)).length;
}

/** Waits until C's DNS answers exactly the running tasks' addresses (and `count` of them), then returns them. */
async function settled(count: number, timeoutMs = 60_000): Promise<Task[]> {
  return waitFor(
    `${count} tasks of ${SERVICE} running and exactly their addresses in C's DNS`,
    async () => {
      const now = await tasks();
      if (now.length !== count) return undefined;
      return same(
        await answers(),
        now.map((t) => t.address),
      )
        ? now
        : undefined;
    },
    timeoutMs,
    100,
  );
}

/** The registrar as deploy/systemd runs it, on the host's network, following the host's own dockerd. */
async function startRegistrar(host: Host): Promise<Docker.Container> {
  const container = await host.docker.createContainer({
    name: 'consul-registrar',
    Image: REGISTRAR_IMAGE,
    Env: [`REGISTRAR_NETWORK=${NETWORK}`],
    Healthcheck: { Interval: 1_000_000_000 },
    HostConfig: {
      NetworkMode: 'host',
      Binds: [`${host.socket}:/var/run/docker.sock:ro`],
      GroupAdd: [String(statSync(host.socket).gid)],
      ReadonlyRootfs: true,
      SecurityOpt: ['no-new-privileges'],
      RestartPolicy: { Name: 'unless-stopped' }, // back with its dockerd, as a systemd unit would be
    },
  });
  await container.start();
  return container;
}

/** An HTTP request from the client container on C (on swarmlan) to ADDRESS:8080. */
async function getFromC(address: string): Promise<string> {
  const cmd = ['sh', '-c', `printf 'GET /health HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${address} 8080`];
  const { code, output } = await C.exec('client', cmd);
  expect(code, output).to.equal(0);
  return output;
}

/** Polls C's DNS every 20 ms until stopped: how many answers were empty, and the longest run of them. */
function pollDns() {
  let stop = false;
  let queries = 0;
  let empty = 0;
  let emptySince = 0;
  let longestGapMs = 0;
  let fewest = Infinity;
  const done = (async () => {
    while (!stop) {
      const a = await answers();
      queries++;
      fewest = Math.min(fewest, a.length);
      if (a.length === 0) {
        empty++;
        emptySince ||= Date.now();
        longestGapMs = Math.max(longestGapMs, Date.now() - emptySince);
      } else emptySince = 0;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    async end() {
      stop = true;
      await done;
      return { queries, empty, longestGapMs, fewest };
    },
  };
}

describe('a three-node Swarm, the registrar on every node (scripts/swarm)', function () {
  this.timeout(180_000);

  before(async () => {
    await requireCluster();
    for (const host of hosts) {
      const state = await docker(host, 'info', '-f', '{{.Swarm.LocalNodeState}}');
      if (state !== 'active') throw new Error(`${host.name} is not in the swarm (${state}); run scripts/swarm/up.sh`);
    }
    await docker(A, 'service', 'rm', SERVICE).catch(() => '');
    await waitFor('old tasks gone', async () => ((await tasks()).length === 0 ? true : undefined), 30_000, 200);
    await Promise.all(hosts.map((h) => h.clear()));
    await Promise.all(hosts.map(startRegistrar));
    await C.run('client', ['sleep', '3600'], {}, [NETWORK]);
  });

  after(async () => {
    if (process.env.CLUSTER_KEEP) return;
    await docker(A, 'service', 'rm', SERVICE).catch(() => '');
    await Promise.all(hosts.map((h) => h.clear()));
  });

  it("answers every task's own swarmlan address and native port in C's DNS, each reachable from C", async () => {
    const firstSeen = new Map<string, number>();
    const seen = (addresses: string[]) => addresses.forEach((addr) => firstSeen.has(addr) || firstSeen.set(addr, Date.now()));
    const poll = setInterval(() => void answers().then(seen, () => undefined), 20);
    try {
      await docker(
        A,
        ...['service', 'create', '-d', '--no-resolve-image', '--name', SERVICE, '--replicas', '3', '--replicas-max-per-node', '2'],
        ...['--network', NETWORK, '--container-label', 'SERVICE_PORTS=8080', '--container-label', 'SERVICE_CHECK_TCP=true'],
        ...['--container-label', 'SERVICE_CHECK_INTERVAL=1s', '--container-label', 'SERVICE_CHECK_TIMEOUT=1s', '--stop-grace-period', '2s'],
        // A HEALTHCHECK: Swarm counts a task started only once healthy, which start-first waits for.
        ...['--health-cmd', 'true', '--health-interval', '1s', '--publish', '18080:8080'],
        ...[IMAGE, 'httpd', '-f', '-p', '8080', '-h', '/www'],
      );
      const running = await settled(3);
      // settled() may see the last address in DNS before the poll's answer for it is back: one more look records it.
      seen(await answers());
      const spread = new Set(running.map((t) => t.host.n));
      figure(`3 tasks on hosts ${[...spread].sort().join(', ')}: ${running.map((t) => t.address).join(', ')}`);
      for (const t of running) expect(t.address).to.match(new RegExp(`^10\\.97\\.${t.host.n}\\.`));
      const lags = running.map((t) => firstSeen.get(t.address)! - t.startedAt);
      figure(`task start → in C's DNS: ${lags.map((ms) => `${ms} ms`).join(', ')}`);
      expect(Math.max(...lags)).to.be.below(5000);
    } finally {
      clearInterval(poll);
    }
    const records = await srv.resolveSrv(`${SERVICE}.service.consul`);
    expect(records.map((r) => r.port)).to.deep.equal([8080, 8080, 8080]);
    for (const t of await tasks()) expect(await getFromC(t.address)).to.match(/^HTTP\/1\.\d 200/);
    const catalog = (await C.consul(`/catalog/service/${SERVICE}`)) as { ServiceMeta: Record<string, string>; ServicePort: number }[];
    expect(catalog.map((e) => e.ServicePort)).to.not.include(18080); // the ingress port is no service
    expect(catalog.map((e) => e.ServiceMeta.swarm_slot).sort()).to.deep.equal(['1', '2', '3']);
  });

  it('scales 3 → 1 → 3 with no stale entry', async () => {
    await docker(A, 'service', 'scale', '-d', `${SERVICE}=1`);
    await settled(1);
    const down = await staleEntries();
    figure(`stale entries after scale-down to 1: ${down}`);
    expect(down).to.equal(0);
    await docker(A, 'service', 'scale', '-d', `${SERVICE}=3`);
    await settled(3);
    expect(await staleEntries()).to.equal(0);
  });

  it('keeps the name answered throughout a start-first rolling update', async () => {
    const before = (await tasks()).map((t) => t.address);
    const poll = pollDns();
    const t0 = Date.now();
    await docker(A, 'service', 'update', '-d', '--update-order', 'start-first', '--update-parallelism', '1', '--env-add', 'V=2', SERVICE);
    await waitFor(
      'the update completed',
      async () => ((await docker(A, 'service', 'inspect', '-f', '{{.UpdateStatus.State}}', SERVICE)) === 'completed' ? true : undefined),
      120_000,
      250,
    );
    const after = await settled(3);
    const result = await poll.end();
    figure(
      `start-first update in ${Date.now() - t0} ms: ${result.queries} DNS queries, ${result.empty} empty, ` +
        `fewest answers ${result.fewest}, longest gap ${result.longestGapMs} ms`,
    );
    expect(after.map((t) => t.address).filter((a) => before.includes(a)).length, 'tasks replaced').to.be.below(3);
    expect(result.empty).to.equal(0);
    expect(await staleEntries()).to.equal(0);
  });

  it('leaves a stop-first update of a single task no longer out of DNS than the engine leaves it stopped, plus its check', async () => {
    await docker(A, 'service', 'scale', '-d', `${SERVICE}=1`);
    const [old] = await settled(1);
    const poll = pollDns();
    await docker(A, 'service', 'update', '-d', '--update-order', 'stop-first', '--env-add', 'V=3', SERVICE);
    await waitFor(
      'the update completed',
      async () => ((await docker(A, 'service', 'inspect', '-f', '{{.UpdateStatus.State}}', SERVICE)) === 'completed' ? true : undefined),
      120_000,
      250,
    );
    const [now] = await settled(1);
    const result = await poll.end();
    // Swarm keeps a shut-down task's container (task history), so its end is Docker's own record.
    const ended = Date.parse((await old!.host.docker.getContainer(old!.id).inspect()).State.FinishedAt);
    const engineGapMs = now!.startedAt - ended;
    figure(
      `stop-first update of 1 task: the engine ran none for ${engineGapMs} ms; C's DNS answered none for ` +
        `${result.longestGapMs} ms (${result.empty} of ${result.queries} queries); the difference is the new task's way to passing`,
    );
    expect(now!.id).to.not.equal(old!.id);
    // Ours on top of the engine's: the new task's start to passing in DNS, 1.2–3.5 s in the first test.
    expect(result.longestGapMs).to.be.below(engineGapMs + 5_000);
    await docker(A, 'service', 'scale', '-d', `${SERVICE}=3`);
    await settled(3);
    expect(await staleEntries()).to.equal(0);
  });

  it("takes a stopped worker's tasks out of the healthy answers, and leaves nothing stale once they are rescheduled", async () => {
    const onB = (await tasks([B])).map((t) => t.address);
    expect(onB.length, 'tasks on host 2 before it is stopped').to.be.above(0);
    const t0 = Date.now();
    await run(`${SCRIPTS}dockerd.sh`, ['2', 'stop']);
    const stoppedMs = Date.now() - t0; // dockerd stops its containers first
    const outMs = await waitFor(
      "B's tasks out of C's DNS",
      async () => ((await answers()).some((a) => onB.includes(a)) ? undefined : Date.now() - t0),
      60_000,
      25,
    );
    figure(`worker dockerd stop begun → its ${onB.length} task(s) out of healthy answers in ${outMs} ms (the stop took ${stoppedMs} ms)`);
    // The manager reschedules them on A and C once it takes B for down.
    const rescheduled = await waitFor(
      'B’s tasks rescheduled',
      async () => {
        const now = await tasks([A, C]);
        return now.length === 3 &&
          same(
            await answers(),
            now.map((t) => t.address),
          )
          ? now
          : undefined;
      },
      120_000,
      200,
    );
    figure(`rescheduled on A and C, answered in DNS ${Date.now() - t0} ms after the stop`);
    const healthyStale = (await answers()).filter((a) => !rescheduled.some((t) => t.address === a)).length;
    expect(healthyStale).to.equal(0);
    // B's agent still holds its dead tasks (critical, out of DNS) until B's registrar is back.
    await run(`${SCRIPTS}dockerd.sh`, ['2', 'start']);
    const t1 = Date.now();
    await waitFor('no stale catalog entry once B is back', async () => ((await staleEntries()) === 0 ? true : undefined), 90_000, 250);
    figure(`B's dockerd back → its stale entries removed in ${Date.now() - t1} ms; stale entries then 0`);
  });
});
