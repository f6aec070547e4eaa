import { expect } from 'chai';
import type { Finding } from '../../src/model/findings.js';
import { formatPlan, planJson } from '../../src/plan-report.js';
import type { ContainerPlan, ProxySpec, Registration } from '../../src/model/registration.js';
import type { Forecast } from '../../src/reconcile/first-pass.js';

describe('plan-report: formatPlan', () => {
  it('names each check by what it probes: an address, a TTL, or the service an alias follows', () => {
    const text = formatPlan([
      {
        containerId: '0123456789abcdef',
        containerName: 'web',
        registrations: [
          {
            ID: 'h1:web:80',
            Name: 'web',
            Tags: ['a'],
            Address: '10.99.1.5',
            Port: 80,
            Meta: {},
            Checks: [
              { CheckID: 'service:h1:web:80:tcp', Name: 'tcp', TCP: '10.99.1.5:80', Interval: '10s' },
              { CheckID: 'service:h1:web:80:script', Name: 'script', TTL: '25000ms' },
              { CheckID: 'service:h1:web:80:registrar', Name: 'consul-registrar running', AliasService: 'consul-registrar:h1' },
            ],
          },
        ],
        jobs: [],
        proxies: [],
        findings: [],
      },
    ]);
    expect(text.split('\n')).to.deep.equal([
      'web (0123456789ab)',
      '  h1:web:80  name web  address 10.99.1.5  port 80  tags a',
      '    check service:h1:web:80:tcp: 10.99.1.5:80 every 10s',
      '    check service:h1:web:80:script: ttl 25000ms',
      '    check service:h1:web:80:registrar: alias of consul-registrar:h1',
    ]);
  });

  it("ends with the registrar's own service when --ttl asks for it", () => {
    expect(formatPlan([], 'consul-registrar:h1')).to.equal(
      '(the registrar itself)\n  consul-registrar:h1  name consul-registrar: a TTL check it refreshes (--ttl)',
    );
    expect(formatPlan([])).to.equal('');
  });
});

describe('plan-report: label text is escaped', () => {
  it('escapes control characters a label put into a tag or a warning, one line per item', () => {
    const text = formatPlan([
      {
        containerId: 'c'.repeat(64),
        containerName: 'evil',
        registrations: [
          {
            ID: 'h:evil:80',
            Name: 'evil',
            Tags: ['a\u001b[31mred', 'b\nforged line'],
            Address: '10.0.0.2',
            Port: 80,
            Meta: {},
            Checks: [],
          },
        ],
        jobs: [],
        proxies: [],
        findings: [{ code: 'meta-key-refused', label: 'SERVICE_X', text: 'SERVICE_X "\\u001b" bad\rreturn', fix: 'f' }],
      },
    ]);
    expect(text).to.not.match(/[\u0000-\u0009\u000b-\u001f]/);
    expect(text.split('\n')).to.have.length(3);
    expect(text).to.include('a\\u001b[31mred');
  });
});

describe('plan-report: findings', () => {
  it('shows each finding with its code and fix, the skip first, and gives the skip its code in --json', () => {
    const plan = {
      containerId: 'c'.repeat(64),
      containerName: 'web',
      registrations: [],
      jobs: [],
      proxies: [],
      skipped: { code: 'no-ports', text: 'T1', fix: 'F1' },
      findings: [{ code: 'ignore-not-boolean', label: 'SERVICE_IGNORE', text: 'T2', fix: 'F2' }],
    };
    expect(formatPlan([plan]).split('\n')).to.deep.equal([
      'web (cccccccccccc)',
      '  skipped [no-ports] T1 — F1',
      '  warning [ignore-not-boolean] T2 — F2',
    ]);
    const parsed = JSON.parse(planJson([plan])) as {
      containers: { skipped: string; findings: { code: string; label: string | null }[] }[];
    };
    expect(parsed.containers[0]!.skipped).to.equal('T1');
    expect(parsed.containers[0]!.findings.map((f) => [f.code, f.label])).to.deep.equal([
      ['no-ports', null],
      ['ignore-not-boolean', 'SERVICE_IGNORE'],
    ]);
  });
});

describe('plan-report: what the first pass would do', () => {
  it('shows what the first pass would do: registrations as sent, findings by code, and the removals', () => {
    const plan = {
      containerId: 'c'.repeat(64),
      containerName: 'web',
      registrations: [
        { ID: 'pay-1', Name: 'web', Tags: [], Address: '10.99.1.5', Port: 80, Meta: {}, Checks: [] },
        { ID: 'h1:web:81', Name: 'web', Tags: [], Address: '10.99.1.5', Port: 81, Meta: {}, Checks: [] },
      ],
      jobs: [],
      proxies: [],
      findings: [],
    };
    const forecast: Forecast = {
      containers: new Map([
        [
          plan.containerId,
          {
            registrations: [plan.registrations[1]!],
            findings: [
              { code: 'foreign-id', serviceId: 'pay-1', port: '80', text: 'service ID "pay-1" already exists', fix: 'give it its own' },
              { code: 'registrator-entry-replaced', serviceId: 'r:web:81', port: '81', text: "replaces Registrator's r:web:81" },
            ],
          },
        ],
      ]),
      removals: [{ serviceId: 'h1:old:80', name: 'old', containerId: 'd'.repeat(64), reason: 'container-not-running' }],
    };
    const lines = formatPlan([plan], undefined, { forecast, replacing: true }).split('\n');
    expect(lines.filter((l) => /^ {2}\S+ {2}name /.test(l)).map((l) => l.trim().split(' ')[0])).to.deep.equal(['h1:web:81', 'h1:old:80']);
    expect(lines.filter((l) => l.startsWith('  not registered ')).map((l) => /\[([a-z-]+)\]/.exec(l)?.[1])).to.deep.equal(['foreign-id']);
    expect(lines.some((l) => l.includes('[registrator-entry-replaced]'))).to.equal(true);
    expect(lines.some((l) => l.startsWith('(removed by the first pass'))).to.equal(true);
    expect(lines.at(-1)).to.match(/^ {2}h1:old:80 .*\[container-not-running\]$/);

    const json = JSON.parse(planJson([plan], undefined, { forecast, replacing: true })) as {
      containers: { registrations: { ID: string }[]; findings: { code: string; serviceId?: string }[] }[];
      removals: { serviceId: string; reason: string }[];
    };
    expect(json.containers[0]!.registrations.map((r) => r.ID)).to.deep.equal(['h1:web:81']);
    expect(json.containers[0]!.findings.map((f) => [f.code, f.serviceId])).to.deep.equal([
      ['foreign-id', 'pay-1'],
      ['registrator-entry-replaced', 'r:web:81'],
    ]);
    expect(json.removals.map((r) => [r.serviceId, r.reason])).to.deep.equal([['h1:old:80', 'container-not-running']]);
  });

  it('starts no proxy for a sidecar the first pass would not register', () => {
    const plan = {
      containerId: 'c'.repeat(64),
      containerName: 'web',
      registrations: [],
      jobs: [],
      proxies: [{ sidecarId: 'pay-1-sidecar-proxy' } as ProxySpec],
      findings: [],
    };
    const forecast: Forecast = { containers: new Map([[plan.containerId, { registrations: [], findings: [] }]]), removals: [] };
    const json = JSON.parse(planJson([plan], undefined, { forecast, replacing: false })) as { containers: { proxies: unknown[] }[] };
    expect(json.containers[0]!.proxies).to.deep.equal([]);
  });
});

describe('plan-report: --json', () => {
  it('--json gives each container with its registrations as sent to Consul, its findings and Registrator entries', () => {
    const plan = {
      containerId: 'c'.repeat(64),
      containerName: 'web',
      registrations: [{ ID: 'h1:web:80', Name: 'web', Tags: [], Address: '10.99.1.5', Port: 80, Meta: {}, Checks: [] }],
      jobs: [],
      proxies: [],
      findings: [{ code: 'tag-refused', port: '80', text: 'a \u001b[31mwarning', fix: 'shorten it' }],
    };
    const parsed = JSON.parse(
      planJson([plan], undefined, { registratorEntries: new Map([[plan.containerId, ['r:web:80']]]), replacing: false }),
    ) as {
      containers: { name: string; registrations: { ID: string }[]; findings: Finding[]; registratorEntries: string[] }[];
    };
    expect(parsed.containers[0]).to.deep.include({
      name: 'web',
      findings: [
        {
          code: 'tag-refused',
          container: 'web',
          port: '80',
          label: null,
          serviceId: null,
          field: null,
          text: 'a \u001b[31mwarning',
          fix: 'shorten it',
        },
      ],
      registratorEntries: ['r:web:80'],
    });
    expect(parsed.containers[0]!.registrations[0]!.ID).to.equal('h1:web:80');
  });
});

describe('plan-report: Connect', () => {
  const SECRET = 'b2f1c6e4-proxy-token';
  const connectPlan = (): ContainerPlan => ({
    containerId: '0123456789abcdef',
    containerName: 'web',
    registrations: [
      { ID: 'h1:web:80', Name: 'web', Tags: [], Address: '10.99.1.5', Port: 80, Meta: {}, Checks: [] },
      {
        ID: 'h1:web:80-sidecar-proxy',
        Name: 'web-sidecar-proxy',
        Kind: 'connect-proxy',
        Tags: [],
        Address: '10.99.1.5',
        Port: 21000,
        Meta: {},
        Proxy: {
          DestinationServiceName: 'web',
          DestinationServiceID: 'h1:web:80',
          LocalServiceAddress: '127.0.0.1',
          LocalServicePort: 80,
          Upstreams: [
            { DestinationName: 'db', LocalBindPort: 5432 },
            { DestinationName: 'cache', LocalBindPort: 6379, Datacenter: 'dc2' },
          ],
        },
        Checks: [
          { CheckID: 'service:h1:web:80-sidecar-proxy:tcp', Name: 'sidecar', TCP: '10.99.1.5:21000', Interval: '10s', Timeout: '2s' },
          { CheckID: 'service:h1:web:80-sidecar-proxy:alias', Name: 'follows', AliasService: 'h1:web:80' },
        ],
      },
      { ID: 'h1:web:81', Name: 'web-mtls', Tags: ['t'], Address: '10.99.1.5', Port: 81, Meta: {}, Checks: [], Connect: { Native: true } },
    ],
    jobs: [],
    proxies: [
      {
        appId: '0123456789abcdef',
        sidecarId: 'h1:web:80-sidecar-proxy',
        serviceId: 'h1:web:80',
        serviceName: 'web',
        limits: { memoryBytes: 128 * 2 ** 20, nanoCpus: 1e9, pids: 256 },
        name: 'web-sidecar-proxy',
        image: 'hashicorp/consul:1.20',
        cmd: ['consul', 'connect', 'proxy', '-sidecar-for', 'h1:web:80'],
        env: { CONSUL_HTTP_ADDR: 'http://10.99.1.1:8500', CONSUL_HTTP_TOKEN: SECRET },
        appStartedAt: '2026-11-27T17:17:47.328654356Z',
      },
    ],
    findings: [],
  });

  it('shows the sidecar with what it fronts and its upstreams, a Connect-native service, and the proxy container without its token', () => {
    const text = formatPlan([connectPlan()]);
    expect(text.split('\n')).to.deep.equal([
      'web (0123456789ab)',
      '  h1:web:80  name web  address 10.99.1.5  port 80',
      '  h1:web:80-sidecar-proxy  name web-sidecar-proxy  address 10.99.1.5  port 21000  kind connect-proxy',
      '    sidecar of h1:web:80 (to 127.0.0.1:80), upstreams db on 127.0.0.1:5432, cache@dc2 on 127.0.0.1:6379',
      '    check service:h1:web:80-sidecar-proxy:tcp: 10.99.1.5:21000 every 10s',
      '    check service:h1:web:80-sidecar-proxy:alias: alias of h1:web:80',
      '  h1:web:81  name web-mtls  address 10.99.1.5  port 81  Connect-native  tags t',
      '  proxy container web-sidecar-proxy: hashicorp/consul:1.20 consul connect proxy -sidecar-for h1:web:80' +
        '  network container:web  env CONSUL_HTTP_ADDR=http://10.99.1.1:8500 CONSUL_HTTP_TOKEN=(--connect-proxy-token)',
    ]);
    expect(text).to.not.include(SECRET);
  });

  it('shows a sidecar without upstreams, and a proxy without a token, as they are', () => {
    const plan = connectPlan();
    delete plan.registrations[1]!.Proxy!.Upstreams;
    plan.proxies[0]!.env = { CONSUL_HTTP_ADDR: 'http://10.99.1.1:8500' };
    const lines = formatPlan([plan]).split('\n');
    expect(lines).to.include('    sidecar of h1:web:80 (to 127.0.0.1:80)');
    expect(lines.at(-1)).to.match(/env CONSUL_HTTP_ADDR=http:\/\/10\.99\.1\.1:8500$/);
  });

  it('--json gives the sidecar registration as sent to Consul and the proxy container with its token replaced', () => {
    const plan = connectPlan();
    const json = planJson([plan]);
    expect(json).to.not.include(SECRET);
    const parsed = JSON.parse(json) as { containers: { registrations: Registration[]; proxies: ProxySpec[] }[] };
    const container = parsed.containers[0]!;
    expect(container.registrations).to.deep.equal(plan.registrations);
    expect(container.proxies).to.deep.equal([
      { ...plan.proxies[0], env: { CONSUL_HTTP_ADDR: 'http://10.99.1.1:8500', CONSUL_HTTP_TOKEN: '(--connect-proxy-token)' } },
    ]);
    expect(plan.proxies[0]!.env.CONSUL_HTTP_TOKEN, 'the plan itself keeps the token').to.equal(SECRET);
  });
});

describe('plan-report: the comparisons with Registrator and the fork', () => {
  it('prints each comparison asked for as its own lines, and gives both fields in --json', () => {
    const plan = {
      containerId: 'd'.repeat(64),
      containerName: 'web',
      registrations: [{ ID: 'h1:web:80', Name: 'web', Tags: [], Address: '10.99.1.5', Port: 80, Meta: {}, Checks: [] }],
      jobs: [],
      proxies: [],
      findings: [],
    };
    const extras = {
      differences: new Map([[plan.containerId, ['port 80: named web here, nginx by Registrator']]]),
      forkDifferences: new Map([[plan.containerId, ['port 80: tags a here, b by the fork']]]),
      replacing: false,
    };
    expect(formatPlan([plan], undefined, extras).split('\n').slice(-2)).to.deep.equal([
      '  differs from Registrator: port 80: named web here, nginx by Registrator',
      '  differs from the fork: port 80: tags a here, b by the fork',
    ]);
    const parsed = JSON.parse(planJson([plan], undefined, extras)) as {
      containers: { registratorDifferences: string[]; forkDifferences: string[] }[];
    };
    expect(parsed.containers[0]!.forkDifferences).to.deep.equal(['port 80: tags a here, b by the fork']);
    const none = JSON.parse(planJson([plan], undefined, { replacing: false })) as typeof parsed;
    expect(none.containers[0]!.forkDifferences).to.deep.equal([]);
  });
});
