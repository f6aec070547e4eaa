import { expect } from 'chai';
import { healthUrl, probeHealth, registrarArgs } from '../../../src/status/healthcheck.js';

describe('status/healthcheck', () => {
  it('asks loopback for wildcard and empty hosts, and brackets IPv6', () => {
    expect(healthUrl('127.0.0.1:9480')).to.equal('http://127.0.0.1:9480/healthz');
    expect(healthUrl('0.0.0.0:9480')).to.equal('http://127.0.0.1:9480/healthz');
    expect(healthUrl(':9480')).to.equal('http://127.0.0.1:9480/healthz');
    expect(healthUrl('[::]:9480')).to.equal('http://[::1]:9480/healthz');
    expect(healthUrl('[fd00::5]:80')).to.equal('http://[fd00::5]:80/healthz');
  });

  it('asks a specific address there, as the registrar listens only on it', () => {
    expect(healthUrl('10.1.2.3:9480')).to.equal('http://10.1.2.3:9480/healthz');
  });

  it("reads the arguments of the registrar at PID 1, the image's entrypoint, and nothing else's", () => {
    const cmdline = (...words: string[]) => words.join('\0') + '\0';
    const entrypoint = ['node', '--no-opt', '--max-semi-space-size=1', '/app/dist/cli.js'];
    expect(registrarArgs(cmdline(...entrypoint, '--http-addr', '0.0.0.0:9480'))).to.deep.equal(['--http-addr', '0.0.0.0:9480']);
    expect(registrarArgs(cmdline(...entrypoint, '--http-addr='))).to.deep.equal(['--http-addr=']);
    expect(registrarArgs(cmdline(...entrypoint))).to.deep.equal([]);
    expect(registrarArgs(cmdline('/usr/local/bin/node', 'dist/cli.js', 'run'))).to.deep.equal(['run']);
    expect(registrarArgs(cmdline('/sbin/init'))).to.equal(undefined);
    expect(registrarArgs(cmdline('/bin/sh', '-c', 'node /app/dist/cli.js'))).to.equal(undefined);
  });

  it('passes, saying why, when the status server is off', async () => {
    expect(await probeHealth(undefined)).to.deep.include({ ok: true });
  });

  it('fails, naming the URL, when nothing answers', async () => {
    const { ok, text } = await probeHealth('127.0.0.1:1');
    expect(ok).to.equal(false);
    expect(text).to.include('http://127.0.0.1:1/healthz');
  });
});
