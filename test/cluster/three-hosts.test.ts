// The product end to end: three hosts (network namespaces) on one LAN, each with its own dockerd
// on br0 (containers get 10.99.N.x LAN addresses, no NAT), its own Consul server, and the registrar
// running as a container from the offline image. Containers on one host find services on another
// through Consul DNS and reach them on their native ports. scripts/cluster/up.sh builds it all.
import { statSync } from 'node:fs';
import { expect } from 'chai';
import type Docker from 'dockerode';
import { waitFor } from '../support/rig.js';
import { isFullPass, type LogLine } from '../support/registrar-process.js';
import { hosts, REGISTRAR_IMAGE, requireCluster, type Host } from '../support/cluster.js';

const [A, B, C] = hosts as [Host, Host, Host];
const SERVICE = (name: string, extra: Record<string, string> = {}) => ({
  SERVICE_NAME: name,
  SERVICE_PORTS: '8080',
  SERVICE_CHECK_TCP: 'true',
  SERVICE_CHECK_INTERVAL: '1s',
  ...extra,
});
const HTTPD = ['httpd', '-f', '-p', '8080', '-h', '/www'];
const PROXY_IMAGE = process.env.RIG_PROXY_IMAGE ?? 'consul-registrar-test/consul-proxy:1.8.7';
/** An HTTP request to ADDRESS:8080 from the client container on C, with busybox nc. */
const GET_HEALTH = (address: string) => ['sh', '-c', `printf 'GET /health HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${address} 8080`];

/**
 * The registrar container as deploy/systemd runs it: unprivileged on A and B (script checks through
 * Docker's exec API); on C in the host's PID namespace and cgroups with the two capabilities nsenter needs.
 */
async function startRegistrar(host: Host): Promise<Docker.Container> {
  const nsenter = host === C;
  const container = await host.docker.createContainer({
    name: 'consul-registrar',
    Image: REGISTRAR_IMAGE,
    ...(nsenter ? { User: '0' } : {}),
    Env: [
      'REGISTRAR_ENABLE_SCRIPT_CHECKS=true',
      `REGISTRAR_SCRIPT_EXECUTOR=${nsenter ? 'nsenter' : 'docker'}`,
      `REGISTRAR_CONNECT_PROXY_IMAGE=${PROXY_IMAGE}`,
    ],
    // The image's own HEALTHCHECK (GET /healthz), probed every second instead of every 30 s.
    Healthcheck: { Interval: 1_000_000_000 },
    HostConfig: {
      NetworkMode: 'host',
      // nsenter puts each run into its container's cgroups first: it needs the host's hierarchy, writable.
      Binds: [`${host.socket}:/var/run/docker.sock:ro`, ...(nsenter ? ['/sys/fs/cgroup:/sys/fs/cgroup:rw'] : [])],
      // The image runs as a user of its own: the socket's group is all Docker exec needs (nsenter needs root, above).
      GroupAdd: [String(statSync(host.socket).gid)],
      // As docs/security.md advises: read-only root, no_new_privs (which nsenter checks then inherit).
      ReadonlyRootfs: true,
      SecurityOpt: ['no-new-privileges'],
      ...(nsenter ? { PidMode: 'host', CapAdd: ['SYS_ADMIN', 'SYS_PTRACE'], CgroupnsMode: 'host' } : {}),
    },
  });
  await container.start();
  return container;
}

/**
 * A container's log as text: Docker frames each write of a non-TTY container with an 8-byte header
 * (stream, 3 zero bytes, length), which would otherwise sit at the start of every log line.
 */
async function logText(container: Docker.Container): Promise<string> {
  const raw = await container.logs({ stdout: true, stderr: true });
  let text = '';
  for (let at = 0; at + 8 <= raw.length;) {
    const size = raw.readUInt32BE(at + 4);
    text += raw.subarray(at + 8, at + 8 + size).toString('utf8');
    at += 8 + size;
  }
  return text;
}

/** Milliseconds from Docker's StartedAt to the registrar's first "full pass" log line. */
async function firstFullPassMs(registrar: Docker.Container): Promise<number> {
  const startedAt = Date.parse((await registrar.inspect()).State.StartedAt);
  const line = await waitFor(
    "the registrar container's first full pass",
    async () => {
      const text = await logText(registrar);
      const lines = text.split(/\r?\n/).filter((l) => l.startsWith('{'));
      return lines.map((l) => JSON.parse(l) as LogLine).find(isFullPass);
    },
    20_000,
    50,
  );
  return line.time - startedAt;
}

/** Polls until `probe` holds and returns how long that took. */
async function timeUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  await waitFor(what, async () => (await probe()) || undefined, timeoutMs, 25);
  return Date.now() - t0;
}

const figure = (text: string) => console.log(`      figure: ${text}`);

/** Whether each host's agent answers SERVICE with exactly `expected` ([]: not at all). */
async function answeredBy(on: Host[], service: string, expected: string[]): Promise<boolean> {
  const answers = await Promise.all(on.map((h) => h.dns(service)));
  return answers.every((a) => JSON.stringify(a) === JSON.stringify(expected));
}

/**
 * Waits until the client container on C resolves SERVICE.service.consul to `address` (through its
 * own resolver), then asks that address for /health on the native port.
 */
async function reachFromC(service: string, address: string, type: 'a' | 'aaaa' = 'a'): Promise<void> {
  await waitFor(
    `C's container resolving ${service}.service.consul to ${address}`,
    async () => {
      const answers = await C.lookupFrom('client', `${service}.service.consul`, type);
      return answers.length === 1 && answers[0] === address;
    },
    20_000,
    200,
  );
  const { code, output } = await C.exec('client', GET_HEALTH(address));
  expect(code, output).to.equal(0);
  expect(output)
    .to.match(/^HTTP\/1\.\d 200/)
    .and.match(/\nok\s*$/);
}

describe('three hosts on one LAN, the registrar as a container on each (scripts/cluster)', function () {
  this.timeout(120_000);
  const registrars = new Map<Host, Docker.Container>();

  before(async () => {
    await requireCluster();
    await Promise.all(hosts.map((h) => h.clear()));
  });

  after(async () => {
    if (!process.env.CLUSTER_KEEP) await Promise.all(hosts.map((h) => h.clear()));
  });

  it('starts the registrar from the offline image on every host: first full pass soon after start, healthy by its HEALTHCHECK', async () => {
    for (const host of hosts) registrars.set(host, await startRegistrar(host));
    for (const host of hosts) {
      const ms = await firstFullPassMs(registrars.get(host)!);
      figure(`${host.name}: container start → first full pass ${ms} ms`);
      expect(ms).to.be.below(10_000);
    }
    for (const host of hosts) {
      await waitFor(
        `${host.name}'s registrar healthy`,
        async () => (await registrars.get(host)!.inspect()).State.Health?.Status === 'healthy',
        15_000,
        200,
      );
    }
    const image = await A.docker.getImage(REGISTRAR_IMAGE).inspect();
    figure(`image ${REGISTRAR_IMAGE}: ${(image.Size / 2 ** 20).toFixed(1)} MiB`);
  });

  it("answers A's service to a container on C with A's container address, and its native port connects", async () => {
    await A.run('web', HTTPD, SERVICE('web'));
    await C.run('client', ['sleep', '3600'], {}, ['bridge', 'lan']);
    const address = await A.address('web', 'bridge');
    expect(address).to.match(/^10\.99\.1\./);
    await reachFromC('web', address);
    await waitFor("web answered by every host's agent", () => answeredBy(hosts, 'web', [address]), 10_000);
  });

  it('removes a stopped service from Consul DNS on every host within 3 s', async () => {
    const t0 = Date.now();
    await A.docker.getContainer('web').stop({ t: 0 });
    const stopMs = Date.now() - t0;
    await waitFor('web gone from DNS on every host', () => answeredBy(hosts, 'web', []), 10_000, 25);
    const ms = Date.now() - t0;
    figure(`docker stop on A → gone from DNS on all three hosts in ${ms} ms (the stop itself took ${stopMs} ms)`);
    expect(ms).to.be.below(3000);
  });

  it('registers and resolves a container on a macvlan network the same way', async () => {
    await A.run('webmv', HTTPD, SERVICE('webmv'), ['lan']);
    const address = await A.address('webmv', 'lan');
    expect(address).to.match(/^10\.98\.1\./);
    await reachFromC('webmv', address);
  });

  it('registers an IPv6 address (SERVICE_IP_FAMILY=6) that resolves as AAAA and connects over IPv6', async () => {
    await A.run('web6', HTTPD, SERVICE('web6', { SERVICE_IP_FAMILY: '6' }), ['lan']);
    const address = await A.address('web6', 'lan', 6);
    expect(address).to.match(/^fd98::/);
    await reachFromC('web6', address, 'aaaa');
    await waitFor("B's agent answering AAAA for web6", async () => (await B.dns('web6', 6))[0] === address, 10_000);
  });

  for (const [host, executor] of [
    [A, 'docker exec, unprivileged'],
    [C, 'nsenter, --pid host + SYS_ADMIN, SYS_PTRACE'],
  ] as const) {
    it(`runs a SERVICE_CHECK_SCRIPT inside a container from the registrar container (${executor}): answered while it passes, not once it fails`, async () => {
      const name = `webs${host.n}`;
      const elsewhere = host === A ? C : A;
      // As a non-root user: nsenter declines checks of root containers (it cannot limit their capabilities).
      const labels = {
        SERVICE_NAME: name,
        SERVICE_PORTS: '8080',
        SERVICE_CHECK_SCRIPT: 'sh -c "test -f /www/health || exit 2"',
        SERVICE_CHECK_INTERVAL: '1s',
        SERVICE_CHECK_TIMEOUT: '5s',
      };
      await host.run(name, HTTPD, labels, ['bridge'], 'app');
      const address = await host.address(name, 'bridge');
      await waitFor(
        `${elsewhere.name}'s agent answering ${name} once its script passes`,
        async () => (await elsewhere.dns(name))[0] === address,
        20_000,
        100,
      );
      expect((await host.exec(name, ['rm', '/www/health'], 'root')).code).to.equal(0);
      const ms = await timeUntil(`${name} out of DNS once its script fails`, async () => (await elsewhere.dns(name)).length === 0, 10_000);
      figure(`script check failing on ${host.name} (${executor}) → out of ${elsewhere.name}'s DNS in ${ms} ms (1 s interval)`);
      if (host === C) {
        const logs = await logText(registrars.get(C)!);
        expect(logs, 'C ran the check through nsenter, not Docker exec').to.not.include('"code":"script-executor-fallback"');
      }
    });
  }

  it("connects a client on C to A's service through the Connect proxies each host's registrar started", async () => {
    await A.run('meshweb', HTTPD, SERVICE('meshweb', { SERVICE_CONNECT: 'sidecar' }));
    await C.run('meshclient', HTTPD, SERVICE('meshclient', { SERVICE_CONNECT: 'sidecar', SERVICE_CONNECT_UPSTREAMS: 'meshweb:9191' }));
    const address = await A.address('meshweb', 'bridge');
    const t0 = Date.now();
    // The app's sidecar, as the mesh finds it: A's container address, the sidecar port.
    await waitFor(
      "meshweb's sidecar in the catalog at A's container address",
      async () => {
        const entries = (await C.consul('/health/connect/meshweb?passing=true')) as { Service: { Address: string; Port: number } }[];
        return entries.length === 1 && entries[0]!.Service.Address === address && entries[0]!.Service.Port === 21000;
      },
      30_000,
      200,
    );
    // The upstream listener on the client's loopback; the request side stays open (the proxy closes on half-close).
    const request = ['sh', '-c', "(printf 'GET /health HTTP/1.0\\r\\n\\r\\n'; sleep 1) | nc 127.0.0.1 9191"];
    await waitFor(
      'meshweb through the mesh from C',
      async () => (await C.exec('meshclient', request)).output.includes('200 OK'),
      30_000,
      250,
    );
    figure(`C → A through Connect (mTLS): answering ${Date.now() - t0} ms after both containers started`);
    const proxies = await C.docker.listContainers({ filters: { label: ['consul-registrar.sidecar-for'] } });
    expect(proxies.map((p) => p.Names[0])).to.include('/meshclient-sidecar-proxy');
  });

  it("takes B's services out of healthy answers elsewhere while B's agent is down, and back when it returns", async function () {
    this.timeout(180_000);
    await B.run('webb', HTTPD, SERVICE('webb'));
    const address = await B.address('webb', 'bridge');
    const everywhere = (expected: string[]) => answeredBy([A, C], 'webb', expected);
    await waitFor('webb answered on A and C', () => everywhere([address]), 20_000, 100);

    // Kill and restart the agent within the test's time, and restart it whatever happens in between.
    await B.agent('kill');
    let restarted: number;
    try {
      const gone = await timeUntil('webb out of DNS on A and C', () => everywhere([]), 45_000);
      figure(`B's agent killed → B's service out of DNS on A and C in ${gone} ms (Consul's failure detection)`);
      expect(await A.dns('web6', 6), "A's own services still answer").to.have.length(1);
    } finally {
      restarted = Date.now();
      await B.agent('start');
    }
    await waitFor('webb back in DNS on A and C', () => everywhere([address]), 45_000, 25);
    figure(`B's agent started again → B's service back on A and C ${Date.now() - restarted} ms after the start command`);
  });
});
