import { expect } from 'chai';
import { buildChecks, DEFAULT_INTERVAL } from '../../src/model/checks.js';
import { parseGoDuration } from '../../src/model/duration.js';
import type { CheckDefinition } from '../../src/model/registration.js';

const build = (settings: Record<string, string>, address = '10.0.0.5', port = 8080) => {
  const warnings: string[] = [];
  const checks = buildChecks('svc-1', address, port, new Map(Object.entries(settings)), warnings);
  return { checks, warnings };
};
const only = (settings: Record<string, string>): { check: CheckDefinition; warnings: string[] } => {
  const { checks, warnings } = build(settings);
  expect(checks, JSON.stringify(checks)).to.have.length(1);
  return { check: checks[0]!, warnings };
};

describe('model/checks: buildChecks', () => {
  it('asks for no check when no check key is set', () => {
    expect(build({})).to.deep.equal({ checks: [], warnings: [] });
  });

  describe('HTTP and HTTPS', () => {
    it('builds an HTTP check on the service address and port with the path, every 10s by default', () => {
      const { check, warnings } = only({ check_http: '/health' });
      expect(check).to.deep.equal({ CheckID: 'service:svc-1:http', Name: 'http 10.0.0.5:8080', HTTP: 'http://10.0.0.5:8080/health', Interval: '10s' });
      expect(DEFAULT_INTERVAL).to.equal('10s');
      expect(warnings).to.deep.equal([]);
    });

    it('adds the leading slash a path lacks, and uses / for an empty path', () => {
      expect(only({ check_http: 'status' }).check.HTTP).to.equal('http://10.0.0.5:8080/status');
      expect(only({ check_http: '' }).check.HTTP).to.equal('http://10.0.0.5:8080/');
    });

    it('sends SERVICE_CHECK_HTTP_METHOD upper-cased', () => {
      expect(only({ check_http: '/', check_http_method: ' head ' }).check.Method).to.equal('HEAD');
    });

    it('builds an HTTPS check with TLS skip verify and a TLS server name', () => {
      const { check, warnings } = only({ check_https: '/ready', check_tls_skip_verify: 'true', check_tls_server_name: ' api.internal ' });
      expect(check).to.deep.include({
        CheckID: 'service:svc-1:https',
        HTTP: 'https://10.0.0.5:8080/ready',
        TLSSkipVerify: true,
        TLSServerName: 'api.internal',
      });
      expect(warnings).to.deep.equal([]);
    });

    it('leaves TLSSkipVerify out when false, and warns when it is neither true nor false', () => {
      expect(only({ check_https: '/', check_tls_skip_verify: 'false' }).check).to.not.have.property('TLSSkipVerify');
      const { check, warnings } = only({ check_https: '/', check_tls_skip_verify: 'sure' });
      expect(check).to.not.have.property('TLSSkipVerify');
      expect(warnings).to.deep.equal(['SERVICE_CHECK_TLS_SKIP_VERIFY "sure" is not true or false; taken as false']);
    });

    it('does not put TLS fields on a plain HTTP check', () => {
      const { check } = only({ check_http: '/', check_tls_skip_verify: 'true', check_tls_server_name: 'x' });
      expect(check).to.not.have.any.keys('TLSSkipVerify', 'TLSServerName');
    });
  });

  describe('TCP', () => {
    it('builds a TCP check on address:port for SERVICE_CHECK_TCP=true', () => {
      expect(only({ check_tcp: 'true' }).check).to.deep.equal({ CheckID: 'service:svc-1:tcp', Name: 'tcp 10.0.0.5:8080', TCP: '10.0.0.5:8080', Interval: '10s' });
    });

    it('builds none for SERVICE_CHECK_TCP=false, and none with a warning for garbage', () => {
      expect(build({ check_tcp: 'false' })).to.deep.equal({ checks: [], warnings: [] });
      const { checks, warnings } = build({ check_tcp: 'tcp' });
      expect(checks).to.deep.equal([]);
      expect(warnings).to.have.length(1);
    });

    it('brackets an IPv6 address', () => {
      const { checks } = build({ check_tcp: 'true' }, 'fd00::7', 5432);
      expect(checks[0]!.TCP).to.equal('[fd00::7]:5432');
    });
  });

  describe('gRPC', () => {
    it('checks the whole server for SERVICE_CHECK_GRPC=true', () => {
      expect(only({ check_grpc: 'true' }).check).to.deep.include({ CheckID: 'service:svc-1:grpc', GRPC: '10.0.0.5:8080' });
    });

    it('checks one gRPC service when given its name', () => {
      expect(only({ check_grpc: ' my.pkg.Health ' }).check.GRPC).to.equal('10.0.0.5:8080/my.pkg.Health');
    });

    it('builds none for SERVICE_CHECK_GRPC=false', () => {
      expect(build({ check_grpc: 'false' }).checks).to.deep.equal([]);
    });

    it('uses TLS, with the TLS settings, only when SERVICE_CHECK_GRPC_USE_TLS is true', () => {
      expect(only({ check_grpc: 'true', check_grpc_use_tls: 'true', check_tls_skip_verify: 'yes' }).check).to.deep.include({ GRPCUseTLS: true, TLSSkipVerify: true });
      expect(only({ check_grpc: 'true', check_tls_skip_verify: 'yes' }).check).to.not.have.any.keys('GRPCUseTLS', 'TLSSkipVerify');
    });
  });

  describe('TTL', () => {
    it('builds a TTL check without Interval or Timeout (Consul refuses a TTL check with an interval)', () => {
      const { check } = only({ check_ttl: '30s', check_interval: '5s', check_timeout: '2s', check_deregister_after: '10m', check_initial_status: 'passing' });
      expect(check).to.deep.equal({
        CheckID: 'service:svc-1:ttl',
        Name: 'ttl 10.0.0.5:8080',
        TTL: '30s',
        Status: 'passing',
        DeregisterCriticalServiceAfter: '10m',
      });
    });

    it('leaves the TTL check out with a warning when the TTL is not a duration', () => {
      const { checks, warnings } = build({ check_ttl: '30' });
      expect(checks).to.deep.equal([]);
      expect(warnings).to.deep.equal(['SERVICE_CHECK_TTL "30" is not a duration Consul accepts; the TTL check is left out (write e.g. 10s, 1m30s)']);
    });

    it('leaves a zero TTL out with a warning (Consul answers 400 "TTL must be > 0" for the whole service)', () => {
      const { checks, warnings } = build({ check_ttl: '0s' });
      expect(checks).to.deep.equal([]);
      expect(warnings).to.have.length(1);
    });
  });

  describe('shared settings', () => {
    it('applies interval, timeout, initial status, deregister-after and the pass/fail counts to every check', () => {
      const { checks, warnings } = build({
        check_http: '/',
        check_tcp: 'true',
        check_interval: '15s',
        check_timeout: '1.5s',
        check_initial_status: 'Critical',
        check_deregister_after: '1h30m',
        check_success_before_passing: '2',
        check_failures_before_critical: '3',
      });
      expect(warnings).to.deep.equal([]);
      expect(checks).to.have.length(2);
      for (const c of checks) {
        expect(c).to.deep.include({
          Interval: '15s',
          Timeout: '1.5s',
          Status: 'critical',
          DeregisterCriticalServiceAfter: '1h30m',
          SuccessBeforePassing: 2,
          FailuresBeforeCritical: 3,
        });
      }
    });

    it('warns about an interval that is not a duration and falls back to 10s', () => {
      const { check, warnings } = only({ check_http: '/', check_interval: '10' });
      expect(check.Interval).to.equal('10s');
      expect(warnings).to.deep.equal(['SERVICE_CHECK_INTERVAL "10" is not a duration Consul accepts; 10s is used (write e.g. 10s, 1m30s)']);
    });

    it('warns about a zero interval and falls back to 10s (Consul answers 400 "Interval must be > 0" for the whole service)', () => {
      const { check, warnings } = only({ check_http: '/', check_interval: '0s' });
      expect(check.Interval).to.equal('10s');
      expect(warnings).to.have.length(1);
    });

    it('warns about a duration too long for Go\'s time.Duration (Consul answers 400 for the whole service)', () => {
      // Go's time.Duration holds at most 2^63-1 ns, about 2562047h; time.ParseDuration("3000000h") fails.
      const { check, warnings } = only({ check_http: '/', check_deregister_after: '3000000h' });
      expect(check).to.not.have.property('DeregisterCriticalServiceAfter');
      expect(warnings).to.have.length(1);
    });

    it('leaves out, with a warning, a timeout or deregister-after that is not a duration', () => {
      const { check, warnings } = only({ check_tcp: 'true', check_timeout: 'soon', check_deregister_after: '-1m' });
      expect(check).to.not.have.any.keys('Timeout', 'DeregisterCriticalServiceAfter');
      expect(warnings).to.have.length(2);
      expect(warnings.join('\n')).to.include('SERVICE_CHECK_TIMEOUT "soon"').and.include('SERVICE_CHECK_DEREGISTER_AFTER "-1m"');
    });

    it('ignores an empty duration silently', () => {
      expect(only({ check_tcp: 'true', check_interval: '', check_timeout: ' ' })).to.deep.equal({
        check: { CheckID: 'service:svc-1:tcp', Name: 'tcp 10.0.0.5:8080', TCP: '10.0.0.5:8080', Interval: '10s' },
        warnings: [],
      });
    });

    it('warns about an initial status other than passing, warning or critical and leaves it out', () => {
      const { check, warnings } = only({ check_tcp: 'true', check_initial_status: 'healthy' });
      expect(check).to.not.have.property('Status');
      expect(warnings).to.have.length(1);
    });

    it('warns about counts that are not whole numbers and leaves them out', () => {
      const { check, warnings } = only({ check_tcp: 'true', check_success_before_passing: '-1', check_failures_before_critical: '2.5' });
      expect(check).to.not.have.any.keys('SuccessBeforePassing', 'FailuresBeforeCritical');
      expect(warnings).to.have.length(2);
    });
  });

  it('builds every kind asked for, not only the first (unlike Registrator)', () => {
    const { checks } = build({ check_http: '/', check_https: '/', check_tcp: 'true', check_grpc: 'true', check_ttl: '1m' });
    expect(checks.map((c) => c.CheckID)).to.deep.equal(['http', 'https', 'tcp', 'grpc', 'ttl'].map((k) => `service:svc-1:${k}`));
  });

  it('refuses script, cmd and docker checks with a warning and keeps the others', () => {
    const { checks, warnings } = build({ check_tcp: 'true', check_script: 'curl x', check_cmd: 'true', check_docker: 'x' });
    expect(checks.map((c) => c.CheckID)).to.deep.equal(['service:svc-1:tcp']);
    expect(warnings).to.have.length(3);
    expect(warnings[0]).to.equal('SERVICE_CHECK_SCRIPT is not supported yet; the service\'s other checks are registered');
  });
});

describe('model/duration: parseGoDuration', () => {
  const cases: [string, bigint][] = [
    ['10s', 10_000_000_000n], ['1m30s', 90_000_000_000n], ['1.5h', 5_400_000_000_000n], ['300ms', 300_000_000n],
    ['2us', 2_000n], ['2µs', 2_000n], ['7ns', 7n], ['1h1h', 7_200_000_000_000n], ['0', 0n], ['0s', 0n],
  ];
  for (const [text, ns] of cases) {
    it(`reads ${text} as ${ns} ns`, () => expect(parseGoDuration(text)).to.equal(ns));
  }
  for (const bad of ['', '10', 's', '-5s', '1 s', '1d', 'ten seconds', '5S', '3000000h', '9223372036855ms']) {
    it(`refuses ${JSON.stringify(bad)}`, () => expect(parseGoDuration(bad)).to.equal(undefined));
  }
});
