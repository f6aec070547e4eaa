import { join } from 'node:path';
import Docker from 'dockerode';
import { readSettingFile } from '../setting-file.js';

export interface DockerSettings {
  /** unix:///path, tcp://host:port or npipe, as DOCKER_HOST. */
  host: string;
  /** DOCKER_TLS_VERIFY / DOCKER_CERT_PATH, as the docker CLI reads them. */
  tlsVerify: boolean;
  certPath?: string;
  /** --docker-timeout: a request whose socket stays silent this long is abandoned (ms). */
  timeoutMs: number;
  /**
   * DOCKER_API_VERSION, as the docker CLI takes it. Unset, requests carry no version and the engine
   * answers in its own (current engines refuse versions older than their minimum: Docker 29's is 1.44).
   */
  apiVersion?: string;
}

/**
 * A client for DOCKER_HOST. With `deadline` (the default) every request is abandoned when its
 * socket stays silent for --docker-timeout: a hung dockerd must not hold the registrar. Streams
 * that are quiet by nature (the event stream, a running exec) take a client without it and keep
 * liveness rules of their own.
 */
export function connectDocker(settings: DockerSettings, deadline = true): Docker {
  const url = new URL(settings.host);
  // Always set, so that docker-modem never takes DOCKER_CLIENT_TIMEOUT (compose's, in seconds) as milliseconds.
  const timeout = deadline ? settings.timeoutMs : 0;
  const version = settings.apiVersion === undefined ? {} : { version: `v${settings.apiVersion}` };
  if (url.protocol === 'unix:') return new Docker({ socketPath: url.pathname, timeout, ...version });
  // https:// is TLS by its name, as for the docker CLI; tcp:// is TLS when DOCKER_TLS_VERIFY or DOCKER_CERT_PATH say so.
  const tls = settings.tlsVerify || settings.certPath !== undefined || url.protocol === 'https:';
  const cert = (file: string) =>
    settings.certPath ? readSettingFile(join(settings.certPath, file), '--docker-cert-path / DOCKER_CERT_PATH') : undefined;
  return new Docker({
    host: url.hostname,
    port: url.port || (tls ? 2376 : 2375),
    protocol: tls ? 'https' : 'http',
    timeout,
    ...version,
    ...(tls ? { ca: cert('ca.pem'), cert: cert('cert.pem'), key: cert('key.pem') } : {}),
  });
}
