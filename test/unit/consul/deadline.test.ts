// A Consul agent that accepts connections and never answers (a long GC, a disk stall): every call
// the registrar makes gives up within --consul-timeout instead of hanging.
import { createServer, type Server, type Socket } from 'node:net';
import { expect } from 'chai';
import { ConsulAgent } from '../../../src/consul/agent.js';
import { connectConsul } from '../../../src/consul/client.js';

describe('consul: every call has a deadline', () => {
  let server: Server;
  const sockets: Socket[] = [];
  let agent: ConsulAgent;

  before(async () => {
    server = createServer((socket) => sockets.push(socket)); // reads nothing, answers nothing
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    agent = new ConsulAgent(connectConsul({ addr: `127.0.0.1:${port}`, ssl: false, skipVerify: false, timeoutMs: 200 }));
  });
  after(() => {
    sockets.forEach((s) => s.destroy());
    server.close();
  });

  const within = async (what: string, call: () => Promise<unknown>) => {
    const started = performance.now();
    const err = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    const ms = performance.now() - started;
    expect(err, `${what} failed`).to.be.instanceOf(Error);
    expect(ms, `${what} gave up in time`).to.be.below(1500);
  };

  it('gives up on agent/self (the agent watch and the start-up) within the timeout', () => within('self', () => agent.self()));
  it('gives up on a registration (our own HTTP client) within the timeout', () =>
    within('register', () => agent.register({ ID: 'x', Name: 'x', Tags: [], Address: '', Port: 1, Meta: {}, Checks: [] })));
  it('gives up on a TTL update within the timeout', () => within('updateTtl', () => agent.updateTtl('c', 'passing', '')));
  it('gives up on listing services within the timeout', () => within('list', () => agent.servicesWithMeta({ a: 'b' })));
  it('gives up on minting, listing and revoking ACL tokens within the timeout', () =>
    Promise.all([
      within('acl create', () => agent.acl.create({ description: 'd', serviceIdentities: ['web'] })),
      within('acl list', () => agent.acl.list()),
      within('acl delete', () => agent.acl.delete('a')),
    ]));
});
