// A daemon that accepts connections and never answers (a Consul agent in a long GC or disk stall, a
// dockerd wedged on a dead storage driver), played by a socket of the test's own; the other daemon is
// the rig's real one. The registrar must stay up, say on /healthz what it waits for, and stop at once.
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { RegistrarProcess } from '../support/registrar-process.js';
import { requireRig, uniqueName } from '../support/rig.js';

describe('faults: a daemon that accepts connections and never answers', function () {
  this.timeout(60_000);
  const sockets: Socket[] = [];
  const servers: Server[] = [];
  let dir: string;
  let consulAddr: string;
  let dockerHost: string;
  const silent = () => {
    const server = createServer((socket) => sockets.push(socket)); // reads nothing, answers nothing
    servers.push(server);
    return server;
  };

  before(async () => {
    await requireRig();
    dir = mkdtempSync(join(tmpdir(), 'hung-'));
    const tcp = silent();
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    consulAddr = `127.0.0.1:${(tcp.address() as { port: number }).port}`;
    const unix = silent();
    await new Promise<void>((resolve) => unix.listen(join(dir, 'docker.sock'), resolve));
    dockerHost = `unix://${join(dir, 'docker.sock')}`;
  });
  after(() => {
    sockets.forEach((s) => s.destroy());
    servers.forEach((s) => s.close());
    rmSync(dir, { recursive: true, force: true });
  });

  for (const hung of ['Consul', 'Docker'] as const) {
    it(`stays up while ${hung} hangs, answers /healthz within a second naming it, and exits within 5 s of SIGTERM`, async () => {
      const env: Record<string, string> = hung === 'Consul' ? { CONSUL_HTTP_ADDR: consulAddr } : { DOCKER_HOST: dockerHost };
      const registrar = new RegistrarProcess(['--host-id', uniqueName('hung'), '--consul-timeout', '0.5', '--docker-timeout', '0.5'], env);
      try {
        await registrar.waitForLog(`a retry for ${hung}`, (l) => l.event === 'retrying' && l.dependency === hung, 10_000);
        await new Promise((r) => setTimeout(r, 2000));
        expect(registrar.alive).to.equal(true);
        const started = performance.now();
        const health = await registrar.healthz();
        expect(performance.now() - started, '/healthz answered in time').to.be.below(1000);
        expect(health.status).to.equal(503);
        expect(health.body).to.include({ starting: true, [hung.toLowerCase()]: false });
        const stopAt = Date.now();
        await registrar.stop('SIGTERM');
        expect(Date.now() - stopAt, 'exit after SIGTERM').to.be.below(5000);
      } finally {
        await registrar.stop('SIGKILL');
      }
    });
  }
});
