// A token revoked mid-run, on a real Consul agent with ACLs (a private one: nothing shared is
// touched): one host-wide line, not a label problem per container; and once the operator writes a
// valid token into CONSUL_HTTP_TOKEN_FILE, services come back without a restart.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { PrivateConsul } from '../support/consul-agent.js';
import { RegistrarProcess } from '../support/registrar-process.js';
import { cleanup, requireRig, runContainer, uniqueName, waitFor } from '../support/rig.js';

describe('faults: a token revoked mid-run, then rotated in the token file', function () {
  this.timeout(90_000);
  const consul = new PrivateConsul(19100, true);
  const hostId = uniqueName('token');
  let dir: string;
  let registrar: RegistrarProcess | undefined;

  before(async () => {
    await requireRig();
    dir = mkdtempSync(join(tmpdir(), 'token-'));
    await consul.start();
  });
  after(async () => {
    await registrar?.stop('SIGKILL');
    await consul.kill();
    await cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says it once for the host while the token is revoked, and registers again after the file holds a new one', async () => {
    const file = join(dir, 'token');
    const first = await consul.tokenForServicePrefix('');
    writeFileSync(file, `${first}\n`);
    registrar = new RegistrarProcess(['--host-id', hostId, '--resync', '1', '--consul-addr', consul.addr], {
      CONSUL_HTTP_TOKEN_FILE: file,
    });
    const owned = async () => Object.keys(await consul.services(`Meta.registrar_host == "${hostId}"`));
    const before = uniqueName('before');
    await runContainer({ name: before, cmd: ['sleep', '300'], expose: ['80'], labels: { SERVICE_NAME: before } });
    await waitFor('the first container registered', async () => (await owned()).length === 1, 20_000);

    await consul.revokeToken(first);
    const during = uniqueName('during');
    await runContainer({ name: during, cmd: ['sleep', '300'], expose: ['80'], labels: { SERVICE_NAME: during } });
    await registrar.waitForLog('the host-wide problem', (l) => l.event === 'consul-problem', 20_000);
    await new Promise((r) => setTimeout(r, 3000)); // three more passes while it lasts
    expect(registrar.logs.filter((l) => l.event === 'consul-problem')).to.have.length(1);
    expect(registrar.logs.filter((l) => l.event === 'refused' || (l.event === 'finding' && l.level >= 40))).to.deep.equal([]);
    const health = await registrar.healthz();
    expect(health.body.consulProblem).to.be.a('string').and.include('CONSUL_HTTP_TOKEN_FILE');

    const rotatedAt = Date.now();
    writeFileSync(file, `${await consul.tokenForServicePrefix('')}\n`);
    await waitFor('both containers registered with the new token', async () => (await owned()).length === 2, 20_000);
    console.log(`      registered again ${Date.now() - rotatedAt} ms after the token file was rewritten (--resync 1)`);
    expect(registrar.alive).to.equal(true);
  });
});
