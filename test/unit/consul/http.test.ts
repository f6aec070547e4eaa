// The agent client's requests against a stand-in HTTP server: the path under the base URL, the
// query encoded as the agent reads it, the token header and the JSON body, over IPv4 and IPv6.
import { createServer, Agent, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { AgentHttp } from '../../../src/consul/http.js';

interface Seen {
  method: string;
  url: string;
  host: string | undefined;
  token: string | undefined;
  body: string;
}

async function serve(host: string): Promise<{ server: Server; seen: Seen[]; port: number }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        host: req.headers.host,
        token: req.headers['x-consul-token'] as string,
        body,
      });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, seen, port: (server.address() as AddressInfo).port };
}

describe('consul/http: AgentHttp', () => {
  it('sends the path under the base path, the query form-encoded, the token and the body', async () => {
    const { server, seen, port } = await serve('127.0.0.1');
    try {
      const http = new AgentHttp(`http://127.0.0.1:${port}/v1`, new Agent(), () => 'secret', 2000);
      const answer = await http.request('GET', '/agent/services', undefined, { filter: 'Meta.a == "b c"' });
      await http.put('/agent/service/register', { ID: 'x' }, { 'replace-existing-checks': 'true' });
      expect(answer).to.deep.equal({ ok: true });
      expect(seen.map((s) => [s.method, s.url, s.token])).to.deep.equal([
        ['GET', `/v1/agent/services?${new URLSearchParams({ filter: 'Meta.a == "b c"' }).toString()}`, 'secret'],
        ['PUT', '/v1/agent/service/register?replace-existing-checks=true', 'secret'],
      ]);
      expect(seen[1]!.body).to.equal('{"ID":"x"}');
      expect(seen[0]!.host).to.equal(`127.0.0.1:${port}`);
    } finally {
      server.close();
    }
  });

  it('reaches a bracketed IPv6 base URL and sends no query mark without one', async () => {
    const { server, seen, port } = await serve('::1');
    try {
      const http = new AgentHttp(`http://[::1]:${port}/v1`, new Agent(), () => undefined, 2000);
      await http.request('GET', '/agent/self');
      expect(seen.map((s) => [s.url, s.token, s.host])).to.deep.equal([['/v1/agent/self', undefined, `[::1]:${port}`]]);
    } finally {
      server.close();
    }
  });
});
