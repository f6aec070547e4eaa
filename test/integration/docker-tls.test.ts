// The registrar reaching Docker over TLS as the docker CLI does (DOCKER_HOST=tcp://…,
// DOCKER_TLS_VERIFY, DOCKER_CERT_PATH with ca.pem, cert.pem, key.pem), on a real second dockerd
// that verifies client certificates. That daemon gets a bridge of its own (crtls0): with
// --bridge=none dockerd deletes docker0, which belongs to the rig's daemon.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { TestPki } from '../support/pki.js';
import { PrivateDockerd } from '../support/private-dockerd.js';
import { RegistrarProcess } from '../support/registrar-process.js';
import { agentServices, cleanup, IMAGE, requireRig, TEST_LABEL, uniqueName, waitFor } from '../support/rig.js';

const PORT = 23760;
const BRIDGE = 'crtls0';

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
  let dockerd: PrivateDockerd | undefined;
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
    const pki = new TestPki(dir);
    const server = pki.issue('dockerd', 'IP:127.0.0.1', 'serverAuth');
    const client = pki.issue('registrar', 'DNS:registrar', 'clientAuth');
    good = certPath(join(dir, 'good'), pki.ca, client);
    untrusting = certPath(join(dir, 'other-ca'), new TestPki(dir, 'other CA').ca, client);
    dockerd = new PrivateDockerd({
      bridge: BRIDGE,
      subnet: '10.97.0.1/24',
      listen: `tcp://127.0.0.1:${PORT}`,
      extraArgs: ['--tlsverify', '--tlscacert', pki.ca, '--tlscert', server.cert, '--tlskey', server.key],
    });
    await dockerd.start();
    dockerd.loadTestImage();
    const container = await dockerd.engine.createContainer({
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
    await dockerd?.destroy();
    await cleanup([hostId]);
    rmSync(dir, { recursive: true, force: true });
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
    await r.waitForLog(
      'a refused certificate',
      (l) => l.event === 'retrying' && l.dependency === 'Docker' && l.cause === 'tls-certificate',
    );
    expect(r.alive).to.equal(true);
  });

  it('stops the start naming DOCKER_CERT_PATH when its files are missing', async () => {
    const r = registrar({ DOCKER_CERT_PATH: join(dir, 'nowhere') });
    expect(await r.exited).to.equal(2);
    expect(r.stderr.join('\n')).to.include('DOCKER_CERT_PATH').and.include('ENOENT');
  });
});
