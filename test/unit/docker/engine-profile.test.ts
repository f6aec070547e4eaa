// What differs on Podman is in the engine's profile: the registrar asks it, never the engine's name.
import { expect } from 'chai';
import { engineProfile } from '../../../src/docker/engine.js';
import type { Dialer } from '../../../src/docker/podman-health.js';

/** A client whose dial records the request and answers with `err`. */
function dialer(err?: Error): Dialer & { asked: { path: string; method?: string | undefined }[] } {
  const asked: { path: string; method?: string | undefined }[] = [];
  return {
    asked,
    modem: {
      dial: (options, callback) => {
        asked.push({ path: options.path, method: options.method });
        setImmediate(() => callback(err ?? null));
      },
    },
  };
}

describe('docker/engine profiles', () => {
  it("dockerd's profile audits its event stream and leaves HEALTHCHECKs to the engine", () => {
    const client = dialer();
    expect(engineProfile('docker', client)).to.deep.equal({ name: 'docker' });
  });

  it("Podman's turns the audit off with a reason, and runs an overdue HEALTHCHECK through libpod's own call", async () => {
    const client = dialer();
    const podman = engineProfile('podman', client);
    expect(podman.name).to.equal('podman');
    expect(podman.auditOff).to.be.a('string').with.length.above(0);
    await podman.runHealthcheck!('abc/def');
    expect(client.asked).to.deep.equal([{ path: '/v4.0.0/libpod/containers/abc%2Fdef/healthcheck', method: 'GET' }]);
  });

  it("Podman's healthcheck call rejects when the engine refuses it", async () => {
    const refused = new Error('container not running or without a healthcheck');
    const podman = engineProfile('podman', dialer(refused));
    const err = await podman.runHealthcheck!('x').then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err).to.equal(refused);
  });
});
