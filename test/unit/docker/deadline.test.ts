// A dockerd that accepts connections and never answers (wedged on a dead storage driver): the calls
// the registrar makes through the client with a deadline give up within --docker-timeout.
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { connectDocker } from '../../../src/docker/client.js';

describe('docker: requests have a deadline', () => {
  let server: Server;
  const sockets: Socket[] = [];
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hung-docker-'));
    server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(join(dir, 'docker.sock'), resolve));
  });
  after(() => {
    sockets.forEach((s) => s.destroy());
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [what, call] of [
    ['ping', (d: ReturnType<typeof connectDocker>) => d.ping()],
    ['inspect', (d: ReturnType<typeof connectDocker>) => d.getContainer('x').inspect()],
    ['list', (d: ReturnType<typeof connectDocker>) => d.listContainers()],
  ] as const) {
    it(`gives up on ${what} within the timeout`, async () => {
      const docker = connectDocker({ host: `unix://${join(dir, 'docker.sock')}`, tlsVerify: false, timeoutMs: 200 });
      const started = performance.now();
      const err = await (call(docker) as Promise<unknown>).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(Error);
      expect(performance.now() - started).to.be.below(1500);
    });
  }
});
