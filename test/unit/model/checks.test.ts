import { expect } from 'chai';
import type { Finding } from '../../../src/model/findings.js';
import { buildChecks, DEFAULT_INTERVAL, dockerHealthCheck, pausedCheck, type ScriptContext } from '../../../src/model/checks.js';
import { durationMs, parseGoDuration } from '../../../src/model/duration.js';
import type { CheckDefinition } from '../../../src/model/registration.js';

const SCRIPTS_OFF: ScriptContext = { containerId: 'c0ffee', pid: 4242, user: '', enabled: false };
const SCRIPTS_ON: ScriptContext = { ...SCRIPTS_OFF, enabled: true };

/** Checks, jobs and findings for these settings. */
const buildAll = (settings: Record<string, string>, scripts = SCRIPTS_OFF, address = '10.0.0.5', port = 8080) => {
  const findings: Finding[] = [];
  const { checks, jobs } = buildChecks({
    serviceId: 'svc-1',
    address,
    port,
    settings: new Map(Object.entries(settings)),
    httpMethods: ['GET', 'HEAD'],
    scripts,
    findings,
  });
  return { checks, jobs, findings };
};
/** Checks and findings, for settings that ask for no check the registrar runs itself. */
const build = (settings: Record<string, string>, address = '10.0.0.5', port = 8080) => {
  const { checks, jobs, findings } = buildAll(settings, SCRIPTS_OFF, address, port);
  expect(jobs, 'no job for checks Consul runs itself').to.deep.equal([]);
  return { checks, findings };
};
const only = (settings: Record<string, string>): { check: CheckDefinition; findings: Finding[] } => {
  const { checks, findings } = build(settings);
  expect(checks, JSON.stringify(checks)).to.have.length(1);
  return { check: checks[0]!, findings };
};

describe('model/checks: buildChecks', () => {
  it('asks for no check when no check key is set', () => {
    expect(build({})).to.deep.equal({ checks: [], findings: [] });
  });

  describe('HTTP and HTTPS', () => {
    it('builds an HTTP check on the service address and port with the path, every 10s by default', () => {
      const { check, findings } = only({ check_http: '/health' });
      expect(check).to.deep.equal({
        CheckID: 'service:svc-1:http',
        Name: 'http 10.0.0.5:8080',
        HTTP: 'http://10.0.0.5:8080/health',
        DisableRedirects: true,
        Interval: '10s',
      });
      expect(DEFAULT_INTERVAL).to.equal('10s');
      expect(findings).to.deep.equal([]);
    });

    it('adds the leading slash a path lacks, and uses / for an empty path', () => {
      expect(only({ check_http: 'status' }).check.HTTP).to.equal('http://10.0.0.5:8080/status');
      expect(only({ check_http: '' }).check.HTTP).to.equal('http://10.0.0.5:8080/');
    });

    it('sends SERVICE_CHECK_HTTP_METHOD upper-cased', () => {
      expect(only({ check_http: '/', check_http_method: ' head ' }).check.Method).to.equal('HEAD');
    });

    it("takes Registrator's SERVICE_CHECK_HTTPS_METHOD for the HTTPS check, and SERVICE_CHECK_HTTP_METHOD where it is not set", () => {
      expect(only({ check_https: '/', check_https_method: 'head' }).check.Method).to.equal('HEAD');
      expect(only({ check_https: '/', check_http_method: 'head' }).check.Method).to.equal('HEAD');
      expect(only({ check_http: '/', check_https_method: 'head' }).check).to.not.have.property('Method');
      const refused = only({ check_https: '/', check_https_method: 'DELETE' });
      expect(refused.check).to.not.have.property('Method');
      expect(refused.findings[0]).to.include({ code: 'check-method-refused', label: 'SERVICE_CHECK_HTTPS_METHOD' });
    });

    it('builds an HTTPS check with TLS skip verify and a TLS server name', () => {
      const { check, findings } = only({ check_https: '/ready', check_tls_skip_verify: 'true', check_tls_server_name: ' api.internal ' });
      expect(check).to.deep.include({
        CheckID: 'service:svc-1:https',
        HTTP: 'https://10.0.0.5:8080/ready',
        TLSSkipVerify: true,
        TLSServerName: 'api.internal',
      });
      expect(findings).to.deep.equal([]);
    });

    it('leaves TLSSkipVerify out when false, and warns when it is neither true nor false', () => {
      expect(only({ check_https: '/', check_tls_skip_verify: 'false' }).check).to.not.have.property('TLSSkipVerify');
      const { check, findings } = only({ check_https: '/', check_tls_skip_verify: 'sure' });
      expect(check).to.not.have.property('TLSSkipVerify');
      expect(findings.map((f) => [f.code, f.label])).to.deep.equal([['flag-not-boolean', 'SERVICE_CHECK_TLS_SKIP_VERIFY']]);
    });

    it('does not put TLS fields on a plain HTTP check', () => {
      const { check } = only({ check_http: '/', check_tls_skip_verify: 'true', check_tls_server_name: 'x' });
      expect(check).to.not.have.any.keys('TLSSkipVerify', 'TLSServerName');
    });
  });

  describe('TCP', () => {
    it('builds a TCP check on address:port for SERVICE_CHECK_TCP=true', () => {
      expect(only({ check_tcp: 'true' }).check).to.deep.equal({
        CheckID: 'service:svc-1:tcp',
        Name: 'tcp 10.0.0.5:8080',
        TCP: '10.0.0.5:8080',
        Interval: '10s',
      });
    });

    it('builds none for SERVICE_CHECK_TCP=false, and none with a warning for garbage', () => {
      expect(build({ check_tcp: 'false' })).to.deep.equal({ checks: [], findings: [] });
      const { checks, findings } = build({ check_tcp: 'tcp' });
      expect(checks).to.deep.equal([]);
      expect(findings).to.have.length(1);
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
      expect(only({ check_grpc: 'true', check_grpc_use_tls: 'true', check_tls_skip_verify: 'yes' }).check).to.deep.include({
        GRPCUseTLS: true,
        TLSSkipVerify: true,
      });
      expect(only({ check_grpc: 'true', check_tls_skip_verify: 'yes' }).check).to.not.have.any.keys('GRPCUseTLS', 'TLSSkipVerify');
    });
  });

  describe('TTL', () => {
    it('builds a TTL check without Interval or Timeout (Consul refuses a TTL check with an interval)', () => {
      const { check } = only({
        check_ttl: '30s',
        check_interval: '5s',
        check_timeout: '2s',
        check_deregister_after: '10m',
        check_initial_status: 'passing',
      });
      expect(check).to.deep.equal({
        CheckID: 'service:svc-1:ttl',
        Name: 'ttl 10.0.0.5:8080',
        TTL: '30s',
        Status: 'passing',
        DeregisterCriticalServiceAfter: '10m',
      });
    });

    it('leaves the TTL check out with a warning when the TTL is not a duration', () => {
      const { checks, findings } = build({ check_ttl: '30' });
      expect(checks).to.deep.equal([]);
      expect(findings.map((f) => [f.code, f.label])).to.deep.equal([['duration-refused', 'SERVICE_CHECK_TTL']]);
    });

    it('leaves a zero TTL out with a warning (Consul answers 400 "TTL must be > 0" for the whole service)', () => {
      const { checks, findings } = build({ check_ttl: '0s' });
      expect(checks).to.deep.equal([]);
      expect(findings).to.have.length(1);
    });
  });

  describe('shared settings', () => {
    it('applies interval, timeout, initial status, deregister-after and the pass/fail counts to every check', () => {
      const { checks, findings } = build({
        check_http: '/',
        check_tcp: 'true',
        check_interval: '15s',
        check_timeout: '1.5s',
        check_initial_status: 'Critical',
        check_deregister_after: '1h30m',
        check_success_before_passing: '2',
        check_failures_before_critical: '3',
      });
      expect(findings).to.deep.equal([]);
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
      const { check, findings } = only({ check_http: '/', check_interval: '10' });
      expect(check.Interval).to.equal('10s');
      expect(findings.map((f) => [f.code, f.label])).to.deep.equal([['duration-refused', 'SERVICE_CHECK_INTERVAL']]);
    });

    it('warns about a zero interval and falls back to 10s (Consul answers 400 "Interval must be > 0" for the whole service)', () => {
      const { check, findings } = only({ check_http: '/', check_interval: '0s' });
      expect(check.Interval).to.equal('10s');
      expect(findings).to.have.length(1);
    });

    it("warns about a duration too long for Go's time.Duration (Consul answers 400 for the whole service)", () => {
      // Go's time.Duration holds at most 2^63-1 ns, about 2562047h; time.ParseDuration("3000000h") fails.
      const { check, findings } = only({ check_http: '/', check_deregister_after: '3000000h' });
      expect(check).to.not.have.property('DeregisterCriticalServiceAfter');
      expect(findings).to.have.length(1);
    });

    it('leaves out, with a warning, a timeout or deregister-after that is not a duration', () => {
      const { check, findings } = only({ check_tcp: 'true', check_timeout: 'soon', check_deregister_after: '-1m' });
      expect(check).to.not.have.any.keys('Timeout', 'DeregisterCriticalServiceAfter');
      expect(findings).to.have.length(2);
      expect(findings.map((f) => [f.code, f.label])).to.deep.equal([
        ['duration-refused', 'SERVICE_CHECK_TIMEOUT'],
        ['duration-refused', 'SERVICE_CHECK_DEREGISTER_AFTER'],
      ]);
    });

    it('ignores an empty duration silently', () => {
      expect(only({ check_tcp: 'true', check_interval: '', check_timeout: ' ' })).to.deep.equal({
        check: { CheckID: 'service:svc-1:tcp', Name: 'tcp 10.0.0.5:8080', TCP: '10.0.0.5:8080', Interval: '10s' },
        findings: [],
      });
    });

    it('warns about an initial status other than passing, warning or critical and leaves it out', () => {
      const { check, findings } = only({ check_tcp: 'true', check_initial_status: 'healthy' });
      expect(check).to.not.have.property('Status');
      expect(findings).to.have.length(1);
    });

    it('warns about counts that are not whole numbers and leaves them out', () => {
      const { check, findings } = only({ check_tcp: 'true', check_success_before_passing: '-1', check_failures_before_critical: '2.5' });
      expect(check).to.not.have.any.keys('SuccessBeforePassing', 'FailuresBeforeCritical');
      expect(findings).to.have.length(2);
    });
  });

  it('builds every kind asked for, not only the first (unlike Registrator)', () => {
    const { checks } = build({ check_http: '/', check_https: '/', check_tcp: 'true', check_grpc: 'true', check_ttl: '1m' });
    expect(checks.map((c) => c.CheckID)).to.deep.equal(['http', 'https', 'tcp', 'grpc', 'ttl'].map((k) => `service:svc-1:${k}`));
  });

  describe('script checks (SERVICE_CHECK_SCRIPT, _CMD, _DOCKER)', () => {
    it('without --enable-script-checks builds no script check, warns, and keeps the others', () => {
      const { checks, jobs, findings } = buildAll({ check_tcp: 'true', check_script: 'curl x' });
      expect(checks.map((c) => c.CheckID)).to.deep.equal(['service:svc-1:tcp']);
      expect(jobs).to.deep.equal([]);
      expect(findings).to.have.length(1);
      expect(findings[0]).to.include({ code: 'script-checks-disabled', label: 'SERVICE_CHECK_SCRIPT' });
    });

    for (const key of ['check_cmd', 'check_docker']) {
      it(`treats SERVICE_${key.toUpperCase()} as a script check too (warned about when disabled)`, () => {
        const off = buildAll({ [key]: '/bin/true' });
        expect(off.checks).to.deep.equal([]);
        expect(off.findings[0]).to.include({ code: 'script-checks-disabled', label: `SERVICE_${key.toUpperCase()}` });
        const on = buildAll({ [key]: '/bin/true' }, SCRIPTS_ON);
        expect(on.findings).to.deep.equal([]);
        expect(on.checks.map((c) => c.CheckID)).to.deep.equal(['service:svc-1:script']);
        expect(on.jobs.map((j) => j.argv)).to.deep.equal([['/bin/true']]);
      });
    }

    it('with --enable-script-checks builds a TTL check and a job that runs the command in the container', () => {
      const { checks, jobs, findings } = buildAll({ check_script: 'curl -sf http://$SERVICE_IP:${SERVICE_PORT}/health' }, SCRIPTS_ON);
      expect(findings).to.deep.equal([]);
      const argv = ['curl', '-sf', 'http://10.0.0.5:8080/health'];
      expect(checks).to.deep.equal([
        {
          CheckID: 'service:svc-1:script',
          Name: 'script curl',
          // 2 × the 10s default interval + the default timeout of min(interval, 10s).
          TTL: '30000ms',
          Notes: 'runs inside the container: curl -sf http://10.0.0.5:8080/health',
        },
      ]);
      expect(jobs).to.deep.equal([
        {
          kind: 'script',
          checkId: 'service:svc-1:script',
          containerId: 'c0ffee',
          pid: 4242,
          user: '',
          env: { SERVICE_IP: '10.0.0.5', SERVICE_PORT: '8080' },
          argv,
          intervalMs: 10_000,
          timeoutMs: 10_000,
        },
      ]);
    });

    it('takes interval, timeout, initial status and deregister-after from the shared settings, without Interval or Timeout on the TTL check', () => {
      const { checks, jobs, findings } = buildAll(
        {
          check_script: 'pg_isready',
          check_interval: '5s',
          check_timeout: '2s',
          check_initial_status: 'passing',
          check_deregister_after: '1m',
          check_success_before_passing: '2',
        },
        SCRIPTS_ON,
      );
      expect(findings).to.deep.equal([]);
      expect(checks).to.deep.equal([
        {
          CheckID: 'service:svc-1:script',
          Name: 'script pg_isready',
          TTL: '12000ms',
          Notes: 'runs inside the container: pg_isready',
          Status: 'passing',
          DeregisterCriticalServiceAfter: '1m',
        },
      ]);
      expect(jobs[0]).to.deep.include({ intervalMs: 5_000, timeoutMs: 2_000 });
    });

    it('defaults the timeout to the interval, at most 10s', () => {
      const short = buildAll({ check_script: 'x', check_interval: '3s' }, SCRIPTS_ON);
      expect(short.jobs[0]).to.deep.include({ intervalMs: 3_000, timeoutMs: 3_000 });
      expect(short.checks[0]!.TTL).to.equal('9000ms');
      const long = buildAll({ check_script: 'x', check_interval: '1m' }, SCRIPTS_ON);
      expect(long.jobs[0]).to.deep.include({ intervalMs: 60_000, timeoutMs: 10_000 });
      expect(long.checks[0]!.TTL).to.equal('130000ms');
    });

    it('caps a timeout longer than the interval at the interval, with one warning naming both and the fix', () => {
      const { checks, jobs, findings } = buildAll({ check_script: 'x', check_interval: '10s', check_timeout: '30s' }, SCRIPTS_ON);
      expect(jobs[0]).to.deep.include({ intervalMs: 10_000, timeoutMs: 10_000 });
      expect(checks[0]!.TTL, '2 × interval + the capped timeout').to.equal('30000ms');
      expect(findings.map((f) => [f.code, f.label])).to.deep.equal([['script-timeout-cut', 'SERVICE_CHECK_TIMEOUT']]);
    });

    it('keeps, without a warning, a timeout equal to the interval', () => {
      const { jobs, findings } = buildAll({ check_script: 'x', check_interval: '1m', check_timeout: '60s' }, SCRIPTS_ON);
      expect(findings).to.deep.equal([]);
      expect(jobs[0]).to.deep.include({ intervalMs: 60_000, timeoutMs: 60_000 });
    });

    it('caps the timeout at the interval actually used, after the 1 s floor', () => {
      const { jobs, findings } = buildAll({ check_script: 'x', check_interval: '100ms', check_timeout: '2s' }, SCRIPTS_ON);
      expect(jobs[0]).to.deep.include({ intervalMs: 1_000, timeoutMs: 1_000 });
      expect(findings).to.have.length(1);
      expect(findings[0]?.code).to.equal('script-timeout-cut');
    });

    it('leaves the timeout of checks Consul runs itself as asked', () => {
      const { check, findings } = only({ check_http: '/', check_interval: '10s', check_timeout: '30s' });
      expect(findings).to.deep.equal([]);
      expect(check).to.deep.include({ Interval: '10s', Timeout: '30s' });
    });

    // durationMs floors "1ns" to 0: the registrar's own checks run at most once a second.
    it('gives a script check with an interval under 1 ms a TTL above zero and a positive interval', () => {
      const { checks, jobs } = buildAll({ check_script: 'true', check_interval: '1ns' }, SCRIPTS_ON);
      for (const c of checks) expect(parseGoDuration(c.TTL!)! > 0n, `TTL ${c.TTL}`).to.equal(true);
      for (const j of jobs) expect(j.intervalMs).to.be.greaterThan(0);
    });

    it('builds the script check next to the others', () => {
      const { checks, jobs } = buildAll({ check_http: '/', check_ttl: '1m', check_script: 'true' }, SCRIPTS_ON);
      expect(checks.map((c) => c.CheckID)).to.deep.equal(['http', 'ttl', 'script'].map((k) => `service:svc-1:${k}`));
      expect(jobs.map((j) => j.checkId)).to.deep.equal(['service:svc-1:script']);
    });

    for (const command of ["echo 'unclosed", '', '   ']) {
      it(`leaves out, with a warning, a command that cannot be split: ${JSON.stringify(command)}`, () => {
        const { checks, jobs, findings } = buildAll({ check_tcp: 'true', check_script: command }, SCRIPTS_ON);
        expect(checks.map((c) => c.CheckID)).to.deep.equal(['service:svc-1:tcp']);
        expect(jobs).to.deep.equal([]);
        expect(findings).to.have.length(1);
        expect(findings[0]).to.include({ code: 'script-command-unparsable', label: 'SERVICE_CHECK_SCRIPT' });
      });
    }
  });
});

describe('model/checks: dockerHealthCheck and pausedCheck', () => {
  it('mirrors a Docker HEALTHCHECK as a TTL check, with a job that reads its result', () => {
    const findings: Finding[] = [];
    const { check, job } = dockerHealthCheck('svc-1', 'c0ffee', 4242, { status: 'healthy', output: 'ok', intervalMs: 5_000 }, findings);
    expect(findings).to.deep.equal([]);
    expect(check).to.deep.include({ CheckID: 'service:svc-1:docker-health', TTL: '20000ms' });
    expect(check).to.not.have.any.keys('Interval', 'Timeout');
    expect(job).to.deep.equal({
      kind: 'docker-health',
      checkId: 'service:svc-1:docker-health',
      containerId: 'c0ffee',
      pid: 4242,
      user: '',
      env: {},
      argv: [],
      intervalMs: 5_000,
      timeoutMs: 10_000,
    });
  });

  // An image's HEALTHCHECK --interval=1ms made the registrar mirror it a thousand times a second per port.
  it("holds a HEALTHCHECK's interval to the script checks' floor and ceiling, with a warning", () => {
    for (const [asked, used] of [
      [1, 1_000],
      [0.001, 1_000],
      [Number.NaN, 1_000],
      [1e15, 86_400_000],
    ] as const) {
      const findings: Finding[] = [];
      const { check, job } = dockerHealthCheck('svc-1', 'c0ffee', 4242, { status: 'healthy', output: 'ok', intervalMs: asked }, findings);
      expect(job.intervalMs, `asked ${asked} ms`).to.equal(used);
      expect(check.TTL).to.equal(`${2 * used + 10_000}ms`);
      expect(findings).to.have.length(1);
      expect(findings[0]?.code).to.equal('healthcheck-interval-clamped');
    }
  });

  it('marks a paused container critical with a TTL check', () => {
    const check = pausedCheck('svc-1');
    expect(check).to.deep.include({ CheckID: 'service:svc-1:paused', Status: 'critical' });
    expect(parseGoDuration(check.TTL!)! > 0n).to.equal(true);
  });
});

describe('model/duration: parseGoDuration', () => {
  const cases: [string, bigint][] = [
    ['10s', 10_000_000_000n],
    ['1m30s', 90_000_000_000n],
    ['1.5h', 5_400_000_000_000n],
    ['300ms', 300_000_000n],
    ['2us', 2_000n],
    ['2µs', 2_000n],
    ['7ns', 7n],
    ['1h1h', 7_200_000_000_000n],
    ['0', 0n],
    ['0s', 0n],
  ];
  for (const [text, ns] of cases) {
    it(`reads ${text} as ${ns} ns`, () => expect(parseGoDuration(text)).to.equal(ns));
  }
  for (const bad of ['', '10', 's', '-5s', '1 s', '1d', 'ten seconds', '5S', '3000000h', '9223372036855ms']) {
    it(`refuses ${JSON.stringify(bad)}`, () => expect(parseGoDuration(bad)).to.equal(undefined));
  }
});

describe('model/duration: durationMs', () => {
  it('gives whole milliseconds of a Go duration', () => {
    expect(durationMs('10s')).to.equal(10_000);
    expect(durationMs('1m30s')).to.equal(90_000);
    expect(durationMs('1.5s')).to.equal(1_500);
    expect(durationMs('250ms')).to.equal(250);
    expect(durationMs('1500us')).to.equal(1);
  });

  it('gives 0 for a duration it cannot read', () => {
    expect(durationMs('soon')).to.equal(0);
  });
});
