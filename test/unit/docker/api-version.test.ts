// Which Docker API version the registrar's requests ask for. Current engines refuse clients below
// their minimum (Docker 29: 1.44), so no version may be pinned unless the operator sets one, as
// DOCKER_API_VERSION does for the docker CLI. A local HTTP server on a unix socket records the paths.
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, readConfig, toSettings } from '../../../src/config.js';
import { connectDocker } from '../../../src/docker/client.js';

describe('Docker API version', () => {
  let dir: string;
  let server: Server;
  let paths: string[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'api-version-'));
    paths = [];
    server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.setHeader('Content-Type', 'application/json');
      res.end(req.url?.endsWith('/_ping') ? 'OK' : '[]');
    });
    await new Promise<void>((resolve) => server.listen(join(dir, 'docker.sock'), resolve));
  });
  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const client = (env: NodeJS.ProcessEnv = {}) => {
    const settings = toSettings(readConfig([], { DOCKER_HOST: `unix://${join(dir, 'docker.sock')}`, ...env }).values);
    return connectDocker(settings.docker);
  };

  it("sends requests with no version in the path, so the engine answers in its own, whatever docker-modem's default", async () => {
    const docker = client();
    await docker.ping();
    await docker.listContainers({ filters: { status: ['running'] } });
    await docker.listNetworks();
    expect(paths).to.have.length(3);
    for (const path of paths) expect(path).to.not.match(/^\/v\d/);
    expect(paths[0]).to.equal('/_ping');
  });

  it('speaks the version DOCKER_API_VERSION names, as the docker CLI does', async () => {
    const docker = client({ DOCKER_API_VERSION: '1.44' });
    await docker.ping();
    await docker.listContainers();
    expect(paths.map((p) => p.split('?')[0])).to.deep.equal(['/v1.44/_ping', '/v1.44/containers/json']);
  });

  it('takes --docker-api-version over the variable, and refuses what is no version', () => {
    const s = toSettings(readConfig(['--docker-api-version', '1.45'], { DOCKER_API_VERSION: '1.41' }).values);
    expect(s.docker.apiVersion).to.equal('1.45');
    expect(() => toSettings(readConfig([], { DOCKER_API_VERSION: 'v1.44/../x' }).values))
      .to.throw(ConfigError)
      .with.property('message')
      .that.includes('DOCKER_API_VERSION');
  });
});
