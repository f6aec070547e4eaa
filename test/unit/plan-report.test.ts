import { expect } from 'chai';
import { formatPlan, planJson } from '../../src/plan-report.js';

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
        warnings: [],
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
        warnings: ['SERVICE_X "\\u001b" bad\rreturn'],
      },
    ]);
    expect(text).to.not.match(/[\u0000-\u0009\u000b-\u001f]/);
    expect(text.split('\n')).to.have.length(3);
    expect(text).to.include('a\\u001b[31mred');
  });

  it("says which of Registrator's registrations would be replaced, or could be with --replace-registrator", () => {
    const plan = { containerId: 'c'.repeat(64), containerName: 'web', registrations: [], jobs: [], proxies: [], warnings: [] };
    const byContainer = new Map([[plan.containerId, ['3f9a2c81b7d4:web:80']]]);
    expect(formatPlan([plan], undefined, { byContainer, replacing: true })).to.include("replaces Registrator's 3f9a2c81b7d4:web:80");
    expect(formatPlan([plan], undefined, { byContainer, replacing: false })).to.include('with --replace-registrator it would be replaced');
  });

  it('--json gives each container with its registrations as sent to Consul, its warnings and Registrator entries', () => {
    const plan = {
      containerId: 'c'.repeat(64),
      containerName: 'web',
      registrations: [{ ID: 'h1:web:80', Name: 'web', Tags: [], Address: '10.99.1.5', Port: 80, Meta: {}, Checks: [] }],
      jobs: [],
      proxies: [],
      warnings: ['a \u001b[31mwarning'],
    };
    const parsed = JSON.parse(
      planJson([plan], undefined, { byContainer: new Map([[plan.containerId, ['r:web:80']]]), replacing: false }),
    ) as {
      containers: { name: string; registrations: { ID: string }[]; warnings: string[]; registratorEntries: string[] }[];
    };
    expect(parsed.containers[0]).to.deep.include({ name: 'web', warnings: ['a \u001b[31mwarning'], registratorEntries: ['r:web:80'] });
    expect(parsed.containers[0]!.registrations[0]!.ID).to.equal('h1:web:80');
  });
});
