import { expect } from 'chai';
import type { Finding } from '../../../src/model/findings.js';
import fc from 'fast-check';
import { buildChecks, type ScriptContext } from '../../../src/model/checks.js';
import { planContainer } from '../../../src/model/plan.js';
import { facts, options, withSettings } from '../support/fixtures.js';

const SCRIPTS: ScriptContext = { containerId: 'c0ffee', pid: 4242, user: '', enabled: false };
const ADDRESS = '10.0.0.5';
const PORT = 8080;

const build = (settings: Record<string, string>, httpMethods = ['GET', 'HEAD'], address = ADDRESS, port = PORT) => {
  const findings: Finding[] = [];
  const map = new Map(Object.entries(settings));
  const { checks } = buildChecks({ serviceId: 'svc-1', address, port, settings: map, httpMethods, scripts: SCRIPTS, findings });
  return { checks, findings };
};
const urls = (settings: Record<string, string>) => build(settings).checks.flatMap((c) => (c.HTTP === undefined ? [] : [c.HTTP]));

describe('model/checks: what a check label can reach', () => {
  describe('SERVICE_CHECK_HTTP and _HTTPS stay on the registered address and port', () => {
    const tricks = [
      '@127.0.0.1:8500/v1/agent/self',
      '/@127.0.0.1:8500/v1/agent/self',
      '@169.254.169.254/latest/meta-data/',
      'http://169.254.169.254/',
      'https://169.254.169.254/latest',
      '//169.254.169.254/',
      '///169.254.169.254/',
      '\\\\169.254.169.254\\x',
      '/\\169.254.169.254/',
      ':80@169.254.169.254/',
      '.169.254.169.254/',
      '%2F%2F169.254.169.254/',
      '/x/../../169.254.169.254',
      '?@169.254.169.254/',
      '#@169.254.169.254/',
    ];
    for (const value of tricks) {
      for (const scheme of ['http', 'https'] as const) {
        it(`keeps ${scheme.toUpperCase()} ${JSON.stringify(value)} on ${ADDRESS}:${PORT} or leaves the check out with a warning`, () => {
          const { checks, findings } = build({ [`check_${scheme}`]: value });
          const http = checks.filter((c) => c.HTTP !== undefined);
          if (http.length === 0) {
            expect(findings).to.have.length(1);
            expect(findings[0]).to.include({ code: 'check-path-refused', label: `SERVICE_CHECK_${scheme.toUpperCase()}` });
            return;
          }
          expect(http).to.have.length(1);
          const url = new URL(http[0]!.HTTP!);
          expect(url.protocol).to.equal(`${scheme}:`);
          expect(url.host).to.equal(`${ADDRESS}:${PORT}`);
          expect(url.username + url.password, 'no credentials').to.equal('');
          expect(findings).to.deep.equal([]);
        });
      }
    }

    it('keeps an "@host:port" path on the service: the host is the registered address and port', () => {
      const [url] = urls({ check_http: '@127.0.0.1:8500/v1/agent/self' });
      expect(url).to.equal('http://10.0.0.5:8080/@127.0.0.1:8500/v1/agent/self');
      expect(new URL(url!).host).to.equal('10.0.0.5:8080');
    });

    it('never yields a URL on 169.254.169.254 for "http://169.254.169.254/"', () => {
      for (const url of urls({ check_http: 'http://169.254.169.254/', check_https: 'http://169.254.169.254/' })) {
        expect(new URL(url).hostname).to.equal(ADDRESS);
      }
    });

    it('takes an ordinary path, query and %-escape', () => {
      expect(urls({ check_http: '/ok' })).to.deep.equal(['http://10.0.0.5:8080/ok']);
      expect(urls({ check_http: '/health?full=1&x=%20y' })).to.deep.equal(['http://10.0.0.5:8080/health?full=1&x=%20y']);
      expect(urls({ check_https: "/a-b_c.d~e!$&'()*+,;=:@" })).to.deep.equal(["https://10.0.0.5:8080/a-b_c.d~e!$&'()*+,;=:@"]);
    });

    const refused: [string, string][] = [
      ['/a b', 'a space'],
      ['/a\\b', 'a backslash'],
      ['/health#frag', 'a fragment'],
      ['/x\ny', 'a newline'],
      ['/x\ty', 'a tab'],
      ['/x\u0000', 'a NUL'],
      ['/x\u001b[31m', 'an escape'],
      ['/x\u007f', 'a DEL'],
      ['/héllo', 'a non-ASCII letter'],
      ['/<script>', 'angle brackets'],
      ['/"q"', 'a quote'],
    ];
    for (const [value, what] of refused) {
      it(`refuses a path with ${what}, with a warning that shows it escaped`, () => {
        for (const scheme of ['http', 'https']) {
          const { checks, findings } = build({ [`check_${scheme}`]: value, check_tcp: 'true' });
          expect(
            checks.map((c) => c.CheckID),
            'the other checks stay',
          ).to.deep.equal(['service:svc-1:tcp']);
          expect(findings).to.have.length(1);
          expect(findings[0]).to.include({ code: 'check-path-refused', label: `SERVICE_CHECK_${scheme.toUpperCase()}` });
          expect(findings[0]!.text).to.not.match(/[\u0000-\u001f\u007f]/);
        }
      });
    }

    it('gives only URLs on the registered address and port, for any label value', () => {
      const unit = fc.constantFrom('/', '\\', '@', ':', '.', '%', '#', '?', ' ', 'a', '1', '[', ']', '\t');
      const pathish = fc.string({ unit, maxLength: 24 });
      fc.assert(
        fc.property(fc.oneof(pathish, fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 })), (value) => {
          for (const url of urls({ check_http: value, check_https: value })) expect(new URL(url).host, url).to.equal('10.0.0.5:8080');
        }),
        { numRuns: 500 },
      );
    });

    it("keeps an IPv6 service's check on its bracketed address", () => {
      const { checks } = build({ check_http: '@[::1]:8500/v1/agent/self' }, ['GET'], 'fd00::7', 9000);
      for (const c of checks) expect(new URL(c.HTTP!).host).to.equal('[fd00::7]:9000');
    });

    it('checks the host of a registration planned from labels, on its address and port', () => {
      const plan = planContainer(withSettings(facts('user-network'), { SERVICE_CHECK_HTTP: '@127.0.0.1:8500/v1/agent/self' }), options());
      const reg = plan.registrations[0]!;
      const url = new URL(reg.Checks.find((c) => c.HTTP !== undefined)!.HTTP!);
      expect(url.host).to.equal(`${reg.Address}:${reg.Port}`);
    });
  });

  describe('redirects', () => {
    it('sets DisableRedirects on HTTP and HTTPS checks', () => {
      const { checks } = build({ check_http: '/a', check_https: '/b', check_tcp: 'true' });
      expect(checks.map((c) => [c.CheckID, c.DisableRedirects])).to.deep.equal([
        ['service:svc-1:http', true],
        ['service:svc-1:https', true],
        ['service:svc-1:tcp', undefined],
      ]);
    });
  });

  describe('SERVICE_CHECK_HTTP_METHOD and --check-http-methods', () => {
    it('refuses DELETE when only GET and HEAD are allowed, keeping the check without a Method, with a warning', () => {
      const { checks, findings } = build({ check_http: '/', check_https: '/', check_http_method: 'DELETE' });
      expect(checks).to.have.length(2);
      for (const c of checks) expect(c).to.not.have.property('Method');
      expect(findings).to.have.length(1);
      expect(findings[0]).to.include({ code: 'check-method-refused', label: 'SERVICE_CHECK_HTTP_METHOD' });
    });

    it('sends DELETE when the operator allows it', () => {
      const { checks, findings } = build({ check_http: '/', check_https: '/', check_http_method: 'delete' }, ['GET', 'HEAD', 'DELETE']);
      expect(checks.map((c) => c.Method)).to.deep.equal(['DELETE', 'DELETE']);
      expect(findings).to.deep.equal([]);
    });

    it('refuses a method with odd characters, showing it escaped', () => {
      const { checks, findings } = build({ check_http: '/', check_http_method: 'GET\r\nX-Evil: 1' });
      expect(checks[0]).to.not.have.property('Method');
      expect(findings).to.have.length(1);
      expect(findings[0]!.text).to.not.match(/[\r\n]/);
    });

    it('sends HEAD, an allowed method', () => {
      expect(build({ check_http: '/', check_http_method: 'head' }).checks[0]!.Method).to.equal('HEAD');
    });
  });

  describe('SERVICE_CHECK_GRPC service name', () => {
    it('accepts a dotted gRPC service name', () => {
      const { checks, findings } = build({ check_grpc: 'my.Service' });
      expect(checks.map((c) => c.GRPC)).to.deep.equal(['10.0.0.5:8080/my.Service']);
      expect(findings).to.deep.equal([]);
    });

    for (const value of ['svc/../x', 'a/b', '@127.0.0.1:8500', 'x y', 'x\ny', 'a'.repeat(201)]) {
      it(`refuses ${JSON.stringify(value.length > 40 ? `${value.slice(0, 8)}… (${value.length})` : value)} with a warning`, () => {
        const { checks, findings } = build({ check_grpc: value, check_tcp: 'true' });
        expect(checks.map((c) => c.CheckID)).to.deep.equal(['service:svc-1:tcp']);
        expect(findings).to.have.length(1);
        expect(findings[0]).to.include({ code: 'grpc-service-refused', label: 'SERVICE_CHECK_GRPC' });
      });
    }
  });

  describe('SERVICE_CHECK_TLS_SERVER_NAME', () => {
    for (const value of ['api internal', 'a/b', 'x\ny', 'host:443', 'a'.repeat(254)]) {
      it(`ignores ${JSON.stringify(value.length > 40 ? `${value.slice(0, 8)}… (${value.length})` : value)}, keeping the check`, () => {
        const { checks, findings } = build({ check_https: '/', check_tls_server_name: value });
        expect(checks).to.have.length(1);
        expect(checks[0]).to.not.have.property('TLSServerName');
        expect(findings).to.have.length(1);
        expect(findings[0]).to.include({ code: 'tls-server-name-refused', label: 'SERVICE_CHECK_TLS_SERVER_NAME' });
      });
    }

    it('is validated for a gRPC check with TLS too', () => {
      const { checks, findings } = build({ check_grpc: 'true', check_grpc_use_tls: 'true', check_tls_server_name: 'a b' });
      expect(checks[0]).to.deep.include({ GRPCUseTLS: true });
      expect(checks[0]).to.not.have.property('TLSServerName');
      expect(findings).to.have.length(1);
    });

    it('takes a host name', () => {
      expect(build({ check_https: '/', check_tls_server_name: 'api.internal-1' }).checks[0]!.TLSServerName).to.equal('api.internal-1');
    });
  });
});
