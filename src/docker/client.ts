import { join } from 'node:path';
import Docker from 'dockerode';
import { readSettingFile } from '../setting-file.js';

export interface DockerSettings {
  /** unix:///path, tcp://host:port or npipe, as DOCKER_HOST. */
  host: string;
  /** DOCKER_TLS_VERIFY / DOCKER_CERT_PATH, as the docker CLI reads them. */
  tlsVerify: boolean;
  certPath?: string;
}

export function connectDocker(settings: DockerSettings): Docker {
  const url = new URL(settings.host);
  if (url.protocol === 'unix:') return new Docker({ socketPath: url.pathname });
  // https:// is TLS by its name, as for the docker CLI; tcp:// is TLS when DOCKER_TLS_VERIFY or DOCKER_CERT_PATH say so.
  const tls = settings.tlsVerify || settings.certPath !== undefined || url.protocol === 'https:';
  const cert = (file: string) =>
    settings.certPath ? readSettingFile(join(settings.certPath, file), '--docker-cert-path / DOCKER_CERT_PATH') : undefined;
  return new Docker({
    host: url.hostname,
    port: url.port || (tls ? 2376 : 2375),
    protocol: tls ? 'https' : 'http',
    ...(tls ? { ca: cert('ca.pem'), cert: cert('cert.pem'), key: cert('key.pem') } : {}),
  });
}
