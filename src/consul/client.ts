import http from 'node:http';
import https from 'node:https';
import { createConnection } from 'node:net';
import Consul from 'consul';
import { readSettingFile } from '../setting-file.js';
import { TokenSource } from './token.js';

export interface ConsulSettings {
  /** host:port, http(s)://host:port or unix:///path, as CONSUL_HTTP_ADDR. */
  addr: string;
  /** Use HTTPS when addr has no scheme (CONSUL_HTTP_SSL). */
  ssl: boolean;
  token?: string;
  tokenFile?: string;
  caCert?: string;
  clientCert?: string;
  clientKey?: string;
  tlsServerName?: string;
  /** Only when the operator asks for it (CONSUL_HTTP_SSL_VERIFY=false). */
  skipVerify: boolean;
  /** --consul-timeout: every request to the agent is abandoned after this long (ms). */
  timeoutMs: number;
}

export interface ConsulConnection {
  client: Consul;
  /** For the writes the package cannot make (consul/http.ts): the same keep-alive and TLS settings. */
  agent: http.Agent;
  timeoutMs: number;
  /** The token at start (for the start-up checks); requests take theirs from `tokens`. */
  token?: string;
  tokens: TokenSource;
  baseUrl: string;
}

export function connectConsul(settings: ConsulSettings): ConsulConnection {
  const { agent, baseUrl } = transport(settings);
  const token = settings.token || readToken(settings.tokenFile);
  // No token in the package's defaults: each call passes the current one (consul/agent.ts), which a token file can replace.
  const client = new Consul({ baseUrl, agent, timeout: settings.timeoutMs } as ConstructorParameters<typeof Consul>[0]);
  const tokens = new TokenSource(token, settings.token ? undefined : settings.tokenFile);
  return { client, agent, baseUrl, timeoutMs: settings.timeoutMs, tokens, ...(token ? { token } : {}) };
}

/**
 * Connections kept to the agent. Consul resets every connection from one address past 200
 * (limits.http_max_conns_per_client), idle keep-alive ones counted, for every process on the host:
 * a burst of 200 container starts once made as many concurrent syncs, so 200 sockets, after which
 * Consul reset every new connection from this host (the registrar's and the operator's alike).
 * Further requests wait for a free socket instead.
 */
const AGENT_POOL = { keepAlive: true, maxSockets: 16, maxFreeSockets: 8 };

/** How requests reach the agent: HTTP or HTTPS (with its TLS settings) to host:port, or a unix socket. */
function transport(settings: ConsulSettings): { agent: http.Agent; baseUrl: string } {
  if (settings.addr.startsWith('unix://')) {
    // An agent on a unix socket (`addresses { http = "unix:///…" }`; Registrator's consul-unix://):
    // neither the consul package nor http.request take a socket by URL, so the agent's connections
    // go there through Node's documented createConnection hook; the host name is only the Host header.
    const socketPath = new URL(settings.addr).pathname;
    const agent = new http.Agent(AGENT_POOL);
    agent.createConnection = () => createConnection(socketPath);
    return { agent, baseUrl: 'http://localhost/v1' };
  }
  const url = new URL(/^https?:\/\//.test(settings.addr) ? settings.addr : `${settings.ssl ? 'https' : 'http'}://${settings.addr}`);
  const read = (path: string | undefined, setting: string) => (path ? readSettingFile(path, setting) : undefined);
  const agent =
    url.protocol === 'https:'
      ? new https.Agent({
          ...AGENT_POOL,
          ca: read(settings.caCert, '--consul-cacert / CONSUL_CACERT'),
          cert: read(settings.clientCert, '--consul-client-cert / CONSUL_CLIENT_CERT'),
          key: read(settings.clientKey, '--consul-client-key / CONSUL_CLIENT_KEY'),
          servername: settings.tlsServerName,
          rejectUnauthorized: !settings.skipVerify,
        })
      : new http.Agent(AGENT_POOL);
  return { agent, baseUrl: `${url.protocol}//${url.host}/v1` };
}

function readToken(path: string | undefined): string | undefined {
  if (!path) return undefined;
  return readSettingFile(path, '--consul-token-file / CONSUL_HTTP_TOKEN_FILE').toString('utf8').trim() || undefined;
}
