import { expect } from 'chai';
import { healthUrl, probeHealth } from '../../../src/status/healthcheck.js';

describe('status/healthcheck', () => {
  it('asks loopback for wildcard and empty hosts, and brackets IPv6', () => {
    expect(healthUrl('127.0.0.1:9480')).to.equal('http://127.0.0.1:9480/healthz');
    expect(healthUrl('0.0.0.0:9480')).to.equal('http://127.0.0.1:9480/healthz');
    expect(healthUrl(':9480')).to.equal('http://127.0.0.1:9480/healthz');
    expect(healthUrl('[::]:9480')).to.equal('http://[::1]:9480/healthz');
    expect(healthUrl('[fd00::5]:80')).to.equal('http://[fd00::5]:80/healthz');
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
