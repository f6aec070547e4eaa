// Event streams that fail, played by a proxy in front of a real dockerd of the test's own (so no
// other container's events reach it) that passes everything else through: a dockerd that accepts the stream and drops it at once must not cost a
// full pass per reconnect delay; a stream that stays open but delivers nothing more (a half-open
// connection) must be found dead by the audit against Docker's event log. Both end exact.
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { Fleet } from '../support/fleet.js';
import { PrivateDockerd } from '../support/private-dockerd.js';
import { isFullPass, RegistrarProcess } from '../support/registrar-process.js';
import { agentServices, cleanup, requireRig } from '../support/rig.js';

const EVENTS_REQUEST = /^GET \S*\/events[?\s]/m;

/**
 * A unix socket relaying to `target`. A connection that asks for the live /events stream gets its
 * response head, then is cut (`drop`) or kept open with nothing more passed on (`blackhole`).
 */
function eventsProxy(path: string, target: string, mode: 'drop' | 'blackhole'): Promise<{ server: Server; drops: () => number }> {
  let drops = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection(target);
    sockets.add(client).add(upstream);
    let events = false;
    let headSent = false;
    client.on('data', (chunk: Buffer) => {
      // Only the live stream: the audit's bounded query (since=…) passes through.
      const request = chunk.toString('latin1');
      if (EVENTS_REQUEST.test(request) && !/[?&]since=/.test(request)) events = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (events && headSent) return; // blackhole: the stream stays open and says nothing
      client.write(chunk);
      if (!events) return;
      headSent = true;
      drops++;
      if (mode === 'blackhole') return;
      client.destroy();
      upstream.destroy();
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  return new Promise((resolve) => server.listen(path, () => resolve({ server, drops: () => drops })));
}

describe('faults: Docker event streams that fail', function () {
  this.timeout(90_000);
  const dir = mkdtempSync(join(tmpdir(), 'drop-'));
  let proxy: { server: Server; drops: () => number } | undefined;
  let registrar: RegistrarProcess | undefined;
  let fleet: Fleet;
  const socket = join(dir, 'docker.sock');
  const dockerd = new PrivateDockerd({ bridge: 'crevents0', subnet: '10.96.2.1/24' });

  before(async () => {
    await requireRig();
    await dockerd.start();
    dockerd.loadTestImage();
  });
  beforeEach(() => (fleet = new Fleet((filter) => agentServices(filter), dockerd.engine)));
  afterEach(async () => {
    await registrar?.stop('SIGKILL');
    await new Promise((resolve) => (proxy ? proxy.server.close(resolve) : resolve(undefined)));
    await cleanup([fleet.hostId]);
  });
  after(async () => {
    await dockerd.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps full passes rare (the reconnect backoff grows) and still ends exact', async () => {
    proxy = await eventsProxy(socket, dockerd.socket, 'drop');
    await Promise.all([fleet.start(), fleet.start()]);
    registrar = new RegistrarProcess(['--host-id', fleet.hostId, '--resync', '0'], { DOCKER_HOST: `unix://${socket}` });
    await registrar.waitForLog('first pass', isFullPass);
    const since = Date.now();
    await fleet.start(); // no event reaches the registrar: a pass after a reconnect must find it
    await new Promise((r) => setTimeout(r, 20_000));
    const passes = registrar.logs.filter((l) => isFullPass(l) && l.time >= since).length;
    // 250 ms doubling: reconnects at about 0.25, 0.75, 1.75, 3.75, 7.75 and 15.75 s; at 250 ms flat it would be 80.
    expect(proxy.drops(), 'streams dropped').to.be.at.least(4);
    expect(passes, 'full passes in 20 s').to.be.within(3, 8);
    expect(registrar.alive).to.equal(true);
    await fleet.converged(1_000);
    console.log(`      ${proxy.drops()} streams dropped, ${passes} full passes in 20 s`);
  });

  it('finds a stream that stays open but delivers nothing more dead (the audit), reopens it and registers what it missed', async () => {
    proxy = await eventsProxy(socket, dockerd.socket, 'blackhole');
    await fleet.start();
    registrar = new RegistrarProcess(['--host-id', fleet.hostId, '--resync', '0', '--events-audit', '2'], {
      DOCKER_HOST: `unix://${socket}`,
    });
    await registrar.waitForLog('first pass', isFullPass);
    await new Promise((r) => setTimeout(r, 5_000));
    expect(
      registrar.logs.filter((l) => l.event === 'events-stale'),
      'a quiet stream is not called dead',
    ).to.have.length(0);
    const started = Date.now();
    await fleet.start(); // its start event never arrives
    await registrar.waitForLog('the audit', (l) => l.event === 'events-stale', 10_000);
    const ms = await fleet.converged(5_000);
    console.log(`      found dead and converged ${Date.now() - started} ms after the missed start (${ms} ms after the audit)`);
  });
});
