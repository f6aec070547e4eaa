// A throwaway certificate authority made with openssl, for tests against TLS-secured daemons.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Issued {
  cert: string;
  key: string;
}

export class TestPki {
  readonly ca: string;
  private readonly caKey: string;

  /** Makes a CA (CN `name`) in `dir`. */
  constructor(
    private readonly dir: string,
    name = 'test CA',
  ) {
    this.ca = join(dir, `${name.replace(/\W+/g, '-')}.pem`);
    this.caKey = this.ca.replace(/\.pem$/, '.key');
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', this.caKey, '-out', this.ca);
  }

  /** A certificate signed by this CA: `san` e.g. "DNS:server.dc1.consul" or "IP:127.0.0.1"; client or server use. */
  issue(name: string, san: string, use: 'serverAuth' | 'clientAuth'): Issued {
    const file = (ext: string) => join(this.dir, `${name}.${ext}`);
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', file('key'), '-out', file('csr'));
    writeFileSync(file('ext'), `subjectAltName=${san}\nextendedKeyUsage=${use}\n`);
    openssl(
      'x509',
      '-req',
      '-in',
      file('csr'),
      '-CA',
      this.ca,
      '-CAkey',
      this.caKey,
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      file('ext'),
      '-out',
      file('pem'),
    );
    return { cert: file('pem'), key: file('key') };
  }
}

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe' });
}
