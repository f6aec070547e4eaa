// The ACL token calls against a stand-in HTTP server: what is sent (with the registrar's token), what
// is read back, and that a token already gone counts as revoked.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { expect } from 'chai';
import { ConsulAgent } from '../../../src/consul/agent.js';
import { connectConsul } from '../../../src/consul/client.js';

interface Seen {
  method: string;
  url: string;
  token: string | undefined;
  body: unknown;
}

describe('consul/acl: AclTokens', () => {
  let server: Server;
  let agent: ConsulAgent;
  const seen: Seen[] = [];
  let answer: (req: IncomingMessage) => { status: number; body: string } = () => ({ status: 200, body: '' });

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          token: req.headers['x-consul-token'] as string | undefined,
          body: text ? (JSON.parse(text) as unknown) : undefined,
        });
        const { status, body } = answer(req);
        res.writeHead(status).end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    agent = new ConsulAgent(
      connectConsul({ addr: `127.0.0.1:${port}`, ssl: false, skipVerify: false, timeoutMs: 2000, token: 'registrar-secret' }),
    );
  });
  beforeEach(() => (seen.length = 0));
  after(() => server.close());

  it('mints a local token with a service identity, with the registrar token, and returns its accessor and secret', async () => {
    answer = () => ({ status: 200, body: JSON.stringify({ AccessorID: 'acc-1', SecretID: 'sec-1', Description: 'd' }) });
    expect(await agent.acl.create({ description: 'd', serviceIdentities: ['web'] })).to.deep.equal({
      accessorId: 'acc-1',
      secretId: 'sec-1',
    });
    expect(seen).to.deep.equal([
      {
        method: 'PUT',
        url: '/v1/acl/token',
        token: 'registrar-secret',
        body: { Description: 'd', ServiceIdentities: [{ ServiceName: 'web' }], Local: true },
      },
    ]);
  });

  it('lists accessors and descriptions', async () => {
    answer = () => ({ status: 200, body: JSON.stringify([{ AccessorID: 'a', Description: 'x' }, { AccessorID: 'b' }]) });
    expect(await agent.acl.list()).to.deep.equal([
      { accessorId: 'a', description: 'x' },
      { accessorId: 'b', description: '' },
    ]);
    expect(seen[0]).to.include({ method: 'GET', url: '/v1/acl/tokens' });
  });

  it('revokes by accessor; one already gone (404) is revoked; a refusal is an error with its status', async () => {
    answer = () => ({ status: 200, body: 'true' });
    await agent.acl.delete('a b');
    expect(seen[0]).to.include({ method: 'DELETE', url: '/v1/acl/token/a%20b' });
    answer = () => ({ status: 404, body: 'not found' });
    await agent.acl.delete('gone');
    answer = () => ({ status: 403, body: 'Permission denied' });
    const err = await agent.acl.create({ description: 'd', serviceIdentities: ['web'] }).catch((e: unknown) => e);
    expect(err).to.have.property('statusCode', 403);
    expect(String(err)).to.not.include('registrar-secret');
  });
});
