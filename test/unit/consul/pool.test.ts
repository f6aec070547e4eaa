// How many connections the registrar keeps to the agent. Consul resets every connection from one
// address past 200 (idle keep-alive ones counted): a burst of syncs must queue on a bounded pool, not
// open a socket each. A local HTTP server stands in for the agent and counts the open connections.
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectConsul } from '../../../src/consul/client.js';

describe('consul/client: the connection pool to the agent', () => {
  let server: Server;
  let open = 0;
  let most = 0;

  before(async () => {
    server = createServer((_req, res) => setTimeout(() => res.end('{}'), 20));
    server.on('connection', (socket) => {
      most = Math.max(most, ++open);
      socket.on('close', () => open--);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  it('keeps at most 16 connections however many requests are in flight, and answers them all', async () => {
    const { port } = server.address() as AddressInfo;
    const { client, agent } = connectConsul({ addr: `127.0.0.1:${port}`, ssl: false, skipVerify: false, timeoutMs: 10_000 });
    const answers = await Promise.all(Array.from({ length: 200 }, () => client.agent.service.list()));
    expect(answers).to.have.length(200);
    expect(most).to.be.within(1, 16);
    agent.destroy();
  });
});
