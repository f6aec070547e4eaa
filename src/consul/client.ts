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
  if (settings.addr.startsWith('unix://')) return overUnixSocket(settings, new URL(settings.addr).pathname);
  const url = new URL(/^https?:\/\//.test(settings.addr) ? settings.addr : `${settings.ssl ? 'https' : 'http'}://${settings.addr}`);
  const secure = url.protocol === 'https:';
  const read = (path: string | undefined, setting: string) => (path ? readSettingFile(path, setting) : undefined);
  const agent = secure
    ? new https.Agent({
        keepAlive: true,
        ca: read(settings.caCert, '--consul-cacert / CONSUL_CACERT'),
        cert: read(settings.clientCert, '--consul-client-cert / CONSUL_CLIENT_CERT'),
        key: read(settings.clientKey, '--consul-client-key / CONSUL_CLIENT_KEY'),
        servername: settings.tlsServerName,
        rejectUnauthorized: !settings.skipVerify,
      })
    : new http.Agent({ keepAlive: true });
  const token = settings.token || readToken(settings.tokenFile);
  const baseUrl = `${url.protocol}//${url.host}/v1`;
  // No token in the package's defaults: each call passes the current one (consul/agent.ts), which a token file can replace.
  const client = new Consul({ baseUrl, agent, timeout: settings.timeoutMs } as ConstructorParameters<typeof Consul>[0]);
  const tokens = new TokenSource(token, settings.token ? undefined : settings.tokenFile);
  return { client, agent, baseUrl, timeoutMs: settings.timeoutMs, tokens, ...(token ? { token } : {}) };
}

/**
 * An agent on a unix socket (its `addresses { http = "unix:///…" }`; Registrator's consul-unix://):
 * the same HTTP API through an agent whose connections go to the socket, with Node's documented
 * createConnection hook, since neither the consul package nor http.request take a socket by URL.
 */
function overUnixSocket(settings: ConsulSettings, socketPath: string): ConsulConnection {
  const agent = new http.Agent({ keepAlive: true });
  agent.createConnection = () => createConnection(socketPath);
  const token = settings.token || readToken(settings.tokenFile);
  const baseUrl = 'http://localhost/v1'; // the host name is only the Host header here
  const client = new Consul({ baseUrl, agent, timeout: settings.timeoutMs } as ConstructorParameters<typeof Consul>[0]);
  const tokens = new TokenSource(token, settings.token ? undefined : settings.tokenFile);
  return { client, agent, baseUrl, timeoutMs: settings.timeoutMs, tokens, ...(token ? { token } : {}) };
}

function readToken(path: string | undefined): string | undefined {
  if (!path) return undefined;
  return readSettingFile(path, '--consul-token-file / CONSUL_HTTP_TOKEN_FILE').toString('utf8').trim() || undefined;
}
