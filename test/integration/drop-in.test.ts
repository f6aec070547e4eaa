// The README's drop-in snippets (Migrating from Registrator), run exactly as written against the
// rig's dockerd and Consul agent: the `docker run` line and the compose file, each read from the
// README by its marker so the two cannot drift. Only the image is replaced, by the one built here
// from deploy/Dockerfile. A Registrator entry under the same ID is already on the agent, as on a host
// switching over: it must be adopted, answer in Consul DNS, and the takeover be said once.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { deployImage } from '../support/registrar-image.js';
import { PACKAGE_VERSION } from '../support/registrar-process.js';
import {
  agentServices,
  checksOf,
  cleanup,
  containerIp,
  dnsAnswer,
  docker,
  registerForeign,
  requireRig,
  runContainer,
  TEST_LABEL,
  uniqueName,
  waitFor,
} from '../support/rig.js';

const run = promisify(execFile);
const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const IMAGE = `consul-registrar:${PACKAGE_VERSION}`;

/** The fenced block right after `<!-- drop-in snippet: FORM -->` in the README. */
function snippet(form: string): string {
  const marker = `<!-- drop-in snippet: ${form} -->\n`;
  const at = README.indexOf(marker);
  if (at < 0) throw new Error(`README.md has no "${marker.trim()}"`);
  const block = /^```[a-z]*\n([\s\S]*?)^```$/m.exec(README.slice(at + marker.length));
  if (!block || block.index !== 0) throw new Error(`README.md: no fenced block right after "${marker.trim()}"`);
  return block[1]!;
}

interface LogLine {
  event?: string;
  msg?: string;
  serviceId?: string;
  dependency?: string;
  cause?: string;
  flag?: string;
  err?: string;
}

/** The JSON log lines of a container (not a TTY: pino's JSON), parsed; other lines dropped. */
async function logLines(id: string): Promise<LogLine[]> {
  const raw = await docker.getContainer(id).logs({ stdout: true, stderr: true });
  const lines: LogLine[] = [];
  for (let at = 0; at + 8 <= raw.length;) {
    const size = raw.readUInt32BE(at + 4);
    for (const line of raw
      .subarray(at + 8, at + 8 + size)
      .toString('utf8')
      .split('\n')) {
      try {
        lines.push(JSON.parse(line) as LogLine);
      } catch {
        // not JSON: a partial frame or a Node warning
      }
    }
    at += 8 + size;
  }
  return lines;
}

describe("the README's drop-in snippets for Registrator, as written", function () {
  this.timeout(300_000);
  let tag: string;
  let hostname: string;

  before(async () => {
    await requireRig();
    tag = (await deployImage()).tag;
    // Registrator with --net=host writes its host's name into service IDs; the registrar's default host ID is the same name.
    hostname = ((await docker.info()) as { Name: string }).Name;
  });
  after(() => cleanup([hostname]));

  /**
   * A container as Registrator had registered it (ID `hostname:container:port`, no Meta, a TCP check
   * passing), then `start` run; the entry must be adopted under the same ID and keep answering.
   */
  async function switchOver(start: () => Promise<string>, stop: () => Promise<void>): Promise<void> {
    const name = uniqueName('app');
    const service = uniqueName('svc');
    await runContainer({
      name,
      cmd: ['httpd', '-f', '-p', '80'],
      expose: ['80'],
      labels: { SERVICE_NAME: service, SERVICE_CHECK_TCP: 'true', SERVICE_CHECK_INTERVAL: '1s' },
    });
    const ip = await containerIp(name);
    const id = `${hostname}:${name}:80`;
    await registerForeign({ ID: id, Name: service, Port: 80, Address: ip, Tags: [], Check: { TCP: `${ip}:80`, Interval: '1s' } });
    await waitFor("Registrator's entry answering", async () => (await dnsAnswer(service)) !== 'error' && (await dnsAnswer(service)));

    const container = await start();
    try {
      await waitFor(
        'the adoption',
        async () => (await logLines(container)).some((l) => l.event === 'adopted-registrator' && l.serviceId === id),
        30_000,
        200,
      );
      const owned = await waitFor('the adopted entry', async () => (await agentServices(`ID == "${id}"`))[id]);
      expect(owned.Meta.registrar_host, 'adopted by the registrar').to.equal(hostname);
      expect(owned.Address).to.equal(ip);
      await waitFor(
        'its check passing',
        async () => (await checksOf(id)).length > 0 && (await checksOf(id)).every((c) => c.Status === 'passing'),
      );
      expect(await dnsAnswer(service), 'answers in Consul DNS').to.deep.equal([ip]);
      const takeover = (await logLines(container)).filter((l) => l.event === 'registrator-flag' && l.flag === '--replace-registrator');
      expect(takeover, 'the takeover said once').to.have.length(1);
      // plan in the running container sees its flags (PID 1's): the takeover is on there too.
      const { stdout } = await run('docker', ['exec', container, 'consul-registrar', 'plan', name, '--json']);
      expect((JSON.parse(stdout) as { replaceRegistrator: boolean }).replaceRegistrator).to.equal(true);
    } finally {
      await stop();
    }
  }

  it('docker run: adopts the Registrator entry, which keeps answering', async () => {
    const text = snippet('docker run');
    expect(text).to.include(` ${IMAGE} `);
    const name = /--name[= ](\S+)/.exec(text)?.[1];
    expect(name, 'the snippet names its container').to.be.a('string');
    await removeOurs(name!);
    await switchOver(
      async () => {
        await run('sh', ['-c', text.replace(IMAGE, tag)]);
        return name!;
      },
      () => removeOurs(name!),
    );
  });

  it('compose: adopts the Registrator entry, which keeps answering', async () => {
    const text = snippet('compose');
    expect(text).to.include(`image: ${IMAGE} `);
    const dir = mkdtempSync(join(tmpdir(), 'drop-in-'));
    writeFileSync(join(dir, 'docker-compose.yml'), text.replace(IMAGE, tag));
    const project = uniqueName('dropin');
    // As the README starts it: DOCKER_GID=$(stat -c %g /var/run/docker.sock) docker compose up -d (here compose v1's binary).
    const compose = (...args: string[]) =>
      run('docker-compose', ['-p', project, ...args], {
        cwd: dir,
        env: { ...process.env, DOCKER_GID: String(statSync('/var/run/docker.sock').gid) },
      });
    await switchOver(
      async () => {
        await compose('up', '-d');
        const [c] = await docker.listContainers({ filters: { label: [`com.docker.compose.project=${project}`] } });
        if (!c) throw new Error('docker-compose up started no container');
        return c.Id;
      },
      async () => {
        await compose('down', '-t', '10');
      },
    );
  });

  it("without the socket's group (the line the snippets add), says so, naming --group-add", async () => {
    const registrar = await docker.createContainer({
      name: uniqueName('no-group'),
      Image: tag,
      Labels: { [TEST_LABEL]: '1' },
      Cmd: ['-internal', 'consul://localhost:8500'],
      HostConfig: { NetworkMode: 'host', Binds: ['/var/run/docker.sock:/tmp/docker.sock'] },
    });
    await registrar.start();
    const line = await waitFor(
      'the refusal in the log',
      async () => (await logLines(registrar.id)).find((l) => l.event === 'retrying' && l.dependency === 'Docker'),
      20_000,
      200,
    );
    expect(line.err).to.include('EACCES');
    expect(line.cause).to.equal('permission');
  });

  /** Removes the snippet's container of an earlier run (only one from the test image: never anyone else's). */
  async function removeOurs(name: string): Promise<void> {
    const found = await docker.listContainers({ all: true, filters: { name: [`^/${name}$`] } });
    for (const c of found) {
      if (c.Image !== tag) throw new Error(`a container "${name}" from ${c.Image} is there: not the test's, left alone`);
      await docker.getContainer(c.Id).remove({ force: true });
    }
  }
});
