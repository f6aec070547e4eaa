// How the registrar reaches a secured Consul agent, on a real agent: HTTPS verified against
// CONSUL_CACERT (and CONSUL_TLS_SERVER_NAME), refused without it, unverified only when the
// operator says CONSUL_HTTP_SSL_VERIFY=false; ACL token from CONSUL_HTTP_TOKEN_FILE, never logged.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { PrivateConsul } from '../support/consul-agent.js';
import { TestPki } from '../support/pki.js';
import { isFullPass, RegistrarProcess } from '../support/registrar-process.js';
import { cleanup, requireRig, runContainer, uniqueName, waitFor } from '../support/rig.js';

describe('reaching a secured Consul: TLS and token file', function () {
  this.timeout(60_000);
  const HTTPS_PORT = 18960;
  let dir: string;
  let certs: { ca: string; cert: string; key: string };
  let consul: PrivateConsul;
  const https = `https://127.0.0.1:${HTTPS_PORT}`;
  const running: RegistrarProcess[] = [];
  const registrar = (hostId: string, env: Record<string, string>) => {
    const r = new RegistrarProcess(['--host-id', hostId, '--resync', '1'], { CONSUL_HTTP_ADDR: https, ...env });
    running.push(r);
    return r;
  };
  const registered = (agent: PrivateConsul, hostId: string) =>
    agent.services(`Meta.registrar_host == "${hostId}"`).then((s) => Object.keys(s).length);
  let service: string;

  before(async () => {
    await requireRig();
    dir = mkdtempSync(join(tmpdir(), 'registrar-tls-'));
    // A server certificate for the name server.dc1.consul only (no IP address in it).
    const pki = new TestPki(dir);
    certs = { ca: pki.ca, ...pki.issue('server', 'DNS:server.dc1.consul', 'serverAuth') };
    // HTTP stays on 18950 for the test's own look at the agent; the registrar is given only HTTPS.
    consul = new PrivateConsul(18950, false, [
      '-hcl',
      `ca_file = "${certs.ca}"`,
      '-hcl',
      `cert_file = "${certs.cert}"`,
      '-hcl',
      `key_file = "${certs.key}"`,
      '-hcl',
      `ports { https = ${HTTPS_PORT} }`,
    ]);
    await consul.start();
    service = uniqueName('tls');
    await runContainer({ name: uniqueName('c'), cmd: ['sleep', '600'], expose: ['80'], labels: { SERVICE_NAME: service } });
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.stop('SIGKILL')));
  });
  after(async () => {
    await consul?.kill();
    await cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('registers over HTTPS verified with CONSUL_CACERT and CONSUL_TLS_SERVER_NAME', async () => {
    const hostId = uniqueName('tls-ok');
    registrar(hostId, { CONSUL_CACERT: certs.ca, CONSUL_TLS_SERVER_NAME: 'server.dc1.consul' });
    await waitFor('the container registered over HTTPS', async () => (await registered(consul, hostId)) === 1);
  });

  it('refuses a certificate it cannot verify, says what to set, and registers nothing', async () => {
    const noCa = registrar(uniqueName('tls-no-ca'), {});
    const wrongName = registrar(uniqueName('tls-name'), { CONSUL_CACERT: certs.ca });
    for (const r of [noCa, wrongName]) {
      await r.waitForLog(
        'a refused certificate',
        (l) => l.event === 'retrying' && l.dependency === 'Consul' && l.cause === 'tls-certificate',
      );
    }
    await new Promise((res) => setTimeout(res, 1500));
    expect(noCa.alive && wrongName.alive, 'still running, retrying').to.equal(true);
    expect(noCa.logs.some(isFullPass)).to.equal(false);
  });

  it('skips verification only with CONSUL_HTTP_SSL_VERIFY=false, and warns about it', async () => {
    const hostId = uniqueName('tls-insecure');
    const r = registrar(hostId, { CONSUL_HTTP_SSL_VERIFY: 'false' });
    await r.waitForLog('a warning that TLS is not verified', (l) => l.level === 40 && l.event === 'tls-unverified');
    await waitFor('the container registered without verification', async () => (await registered(consul, hostId)) === 1);
  });

  it('reads the ACL token from CONSUL_HTTP_TOKEN_FILE, never logging it; a missing file stops the start naming the variable', async () => {
    const guarded = new PrivateConsul(18980, true);
    try {
      await guarded.start();
      const token = await guarded.tokenForServicePrefix(service);
      const tokenFile = join(dir, 'token');
      writeFileSync(tokenFile, `${token}\n`);
      const hostId = uniqueName('token-file');
      const r = new RegistrarProcess(['--consul-addr', guarded.addr, '--host-id', hostId, '--resync', '0'], {
        CONSUL_HTTP_TOKEN_FILE: tokenFile,
      });
      running.push(r);
      await waitFor("the container registered with the file's token", async () => (await registered(guarded, hostId)) === 1);
      expect(JSON.stringify(r.logs) + r.stderr.join('\n')).to.not.include(token);

      const missing = new RegistrarProcess(['--consul-addr', guarded.addr], { CONSUL_HTTP_TOKEN_FILE: join(dir, 'nope') });
      expect(await missing.exited).to.equal(2);
      expect(missing.stderr.join('\n')).to.include('CONSUL_HTTP_TOKEN_FILE').and.include('ENOENT').and.not.include('    at ');
    } finally {
      await guarded.kill();
    }
  });
});
