// The registrar reaching Docker over TLS as the docker CLI does (DOCKER_HOST=tcp://…,
// DOCKER_TLS_VERIFY, DOCKER_CERT_PATH with ca.pem, cert.pem, key.pem), on a real second dockerd
// that verifies client certificates. That daemon gets a bridge of its own (crtls0): with
// --bridge=none dockerd deletes docker0, which belongs to the rig's daemon.
import { spawn, type ChildProcess, execSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import Docker from 'dockerode';
import { TestPki } from '../support/pki.js';
import { RegistrarProcess } from '../support/registrar-process.js';
import { agentServices, cleanup, IMAGE, requireRig, TEST_LABEL, uniqueName, waitFor } from '../support/rig.js';

const PORT = 23760;
const BRIDGE = 'crtls0';

/** SIGTERM, then SIGKILL if it has not exited within 20 s. */
async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

/** A DOCKER_CERT_PATH folder: the CA to trust and the client's certificate and key. */
function certPath(dir: string, ca: string, client: { cert: string; key: string }): string {
  mkdirSync(dir, { recursive: true });
  copyFileSync(ca, join(dir, 'ca.pem'));
  copyFileSync(client.cert, join(dir, 'cert.pem'));
  copyFileSync(client.key, join(dir, 'key.pem'));
  return dir;
}

describe('reaching Docker over TLS (tcp://, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH)', function () {
  this.timeout(90_000);
  const hostId = uniqueName('docker-tls');
  const running: RegistrarProcess[] = [];
  let dir: string;
  let execRoot: string;
  let dockerd: ChildProcess | undefined;
  let engine: Docker | undefined;
  let good: string;
  let untrusting: string;
  const registrar = (env: Record<string, string>) => {
    const r = new RegistrarProcess(['--host-id', hostId, '--resync', '0'], {
      DOCKER_HOST: `tcp://127.0.0.1:${PORT}`,
      DOCKER_TLS_VERIFY: '1',
      ...env,
    });
    running.push(r);
    return r;
  };

  before(async () => {
    await requireRig();
    dir = mkdtempSync(join(tmpdir(), 'registrar-dtls-'));
    execRoot = mkdtempSync('/run/crtls-'); // containerd's socket paths must stay short
    const pki = new TestPki(dir);
    const server = pki.issue('dockerd', 'IP:127.0.0.1', 'serverAuth');
    const client = pki.issue('registrar', 'DNS:registrar', 'clientAuth');
    good = certPath(join(dir, 'good'), pki.ca, client);
    untrusting = certPath(join(dir, 'other-ca'), new TestPki(dir, 'other CA').ca, client);

    execSync(
      `ip link del ${BRIDGE} 2>/dev/null; ip link add ${BRIDGE} type bridge && ip addr add 10.97.0.1/24 dev ${BRIDGE} && ip link set ${BRIDGE} up`,
    );
    const socket = join(dir, 'docker.sock');
    writeFileSync(join(dir, 'daemon.json'), '{}'); // nothing from /etc/docker/daemon.json
    dockerd = spawn(
      'dockerd',
      [
        '--config-file',
        join(dir, 'daemon.json'),
        '--containerd-namespace',
        'crtls',
        '--containerd-plugins-namespace',
        'crtls-plugins',
        '--tlsverify',
        '--tlscacert',
        pki.ca,
        '--tlscert',
        server.cert,
        '--tlskey',
        server.key,
        '-H',
        `tcp://127.0.0.1:${PORT}`,
        '-H',
        `unix://${socket}`,
        '--data-root',
        join(dir, 'data'),
        '--exec-root',
        execRoot,
        '--pidfile',
        join(dir, 'dockerd.pid'),
        `--bridge=${BRIDGE}`,
        '--iptables=false',
        '--ip-masq=false',
        '--log-level',
        'warn',
      ],
      { stdio: 'ignore' },
    );
    engine = new Docker({ socketPath: socket });
    await waitFor('the TLS dockerd', () => engine!.ping().then(() => true), 30_000, 200);
    execSync(`docker save ${IMAGE} | docker -H unix://${socket} load -q`, { stdio: 'pipe' });
    const container = await engine.createContainer({
      Image: IMAGE,
      Cmd: ['sleep', '600'],
      Labels: { [TEST_LABEL]: '1', SERVICE_NAME: hostId, SERVICE_PORTS: '7070' },
      HostConfig: { NetworkMode: 'host' },
    });
    await container.start();
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.stop('SIGKILL')));
  });
  after(async () => {
    // Each step on its own, so that one failing does not leave the rest behind.
    const steps: (() => unknown)[] = [
      async () => {
        for (const c of await engine!.listContainers({ all: true })) await engine!.getContainer(c.Id).remove({ force: true });
      },
      () => stopProcess(dockerd),
      () => cleanup([hostId]),
      // dockerd leaves its namespace bind mount (exec-root/netns/default) behind.
      () => {
        for (const mount of readFileSync('/proc/mounts', 'utf8')
          .split('\n')
          .map((l) => l.split(' ')[1] ?? '')) {
          if (execRoot && mount.startsWith(`${execRoot}/`)) execSync(`umount -l ${mount}`);
        }
      },
      () => [dir, execRoot].forEach((d) => d && rmSync(d, { recursive: true, force: true })),
      () => execSync(`ip link del ${BRIDGE} 2>/dev/null || true`),
    ];
    for (const step of steps)
      await Promise.resolve()
        .then(step)
        .catch(() => undefined);
  });

  it('lists and registers over TLS with the client certificate from DOCKER_CERT_PATH', async () => {
    registrar({ DOCKER_CERT_PATH: good });
    const [service] = await waitFor(
      "the TLS daemon's container registered",
      async () => {
        const services = Object.values(await agentServices(`Meta.registrar_host == "${hostId}"`));
        return services.length === 1 && services;
      },
      20_000,
    );
    expect(service).to.include({ Service: hostId, Port: 7070 });
  });

  it('refuses a daemon whose certificate its CA did not sign, saying what to check, and keeps trying', async () => {
    const r = registrar({ DOCKER_CERT_PATH: untrusting });
    const line = await r.waitForLog('a refused certificate', (l) => String(l.msg).includes("Docker's TLS certificate not accepted"));
    expect(line.msg).to.include('DOCKER_CERT_PATH');
    expect(r.alive).to.equal(true);
  });

  it('stops the start naming DOCKER_CERT_PATH when its files are missing', async () => {
    const r = registrar({ DOCKER_CERT_PATH: join(dir, 'nowhere') });
    expect(await r.exited).to.equal(2);
    expect(r.stderr.join('\n')).to.include('DOCKER_CERT_PATH').and.include('ENOENT');
  });
});
