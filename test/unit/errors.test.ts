import { expect } from 'chai';
import { ConfigError } from '../../src/config.js';
import { describeError, isCertificateError } from '../../src/errors.js';
import { readSettingFile } from '../../src/setting-file.js';

describe('errors: describeError', () => {
  it("names Consul and its own message for the consul package's errors", () => {
    const err = Object.assign(new Error('forbidden'), { isPapi: true, statusCode: 403, response: { body: 'Permission denied\n' } });
    expect(describeError(err)).to.equal('Consul answered 403: Permission denied');
  });

  it("names Docker and its message for dockerode's errors", () => {
    const err = Object.assign(new Error('(HTTP code 500) server error'), { statusCode: 500, json: { message: 'driver failed' } });
    expect(describeError(err)).to.equal('Docker answered 500: driver failed');
  });

  it('keeps a network error as Node words it, naming the address that failed', () => {
    expect(describeError(new Error('connect ECONNREFUSED 127.0.0.1:8500'))).to.equal('connect ECONNREFUSED 127.0.0.1:8500');
  });
});

describe('errors: isCertificateError', () => {
  it("recognises Node's codes for an untrusted issuer, a wrong name and an expired certificate", () => {
    for (const code of [
      'SELF_SIGNED_CERT_IN_CHAIN',
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'ERR_TLS_CERT_ALTNAME_INVALID',
      'CERT_HAS_EXPIRED',
    ]) {
      expect(isCertificateError(Object.assign(new Error(code), { code })), code).to.equal(true);
    }
  });

  it("leaves network errors, HTTP answers and the server's complaints about our client certificate alone", () => {
    expect(isCertificateError(Object.assign(new Error('alert'), { code: 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE' }))).to.equal(false);
    expect(isCertificateError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).to.equal(false);
    expect(isCertificateError(Object.assign(new Error('forbidden'), { statusCode: 403 }))).to.equal(false);
  });
});

describe('setting files: readSettingFile', () => {
  it('stops with a ConfigError naming the setting and the reason, not a stack trace', () => {
    expect(() => readSettingFile('/nonexistent/ca.pem', '--consul-cacert / CONSUL_CACERT')).to.throw(
      ConfigError,
      'cannot read /nonexistent/ca.pem, named by --consul-cacert / CONSUL_CACERT: ENOENT',
    );
  });
});
