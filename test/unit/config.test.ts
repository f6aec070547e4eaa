import { expect } from 'chai';
import { ConfigError, helpText, OPTIONS, readConfig, toSettings, type Settings } from '../../src/config.js';

const settings = (argv: string[] = [], env: NodeJS.ProcessEnv = {}): Settings => toSettings(readConfig(argv, env).values);

/** The ConfigError that `fn` throws (fails the test when it throws nothing or something else). */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return err as ConfigError;
  }
  expect.fail('expected a ConfigError');
}

describe('config', () => {
  describe('defaults', () => {
    it("defaults the Consul address to CONSUL_HTTP_ADDR's own default, 127.0.0.1:8500", () => {
      expect(readConfig([], {}).values['consul-addr']).to.equal('127.0.0.1:8500');
      expect(settings().consul.addr).to.equal('127.0.0.1:8500');
    });

    it('gives working settings with nothing set', () => {
      const s = settings();
      expect(s.docker).to.deep.equal({ host: 'unix:///var/run/docker.sock', tlsVerify: false, timeoutMs: 10_000 });
      expect(s.consul).to.deep.equal({ addr: '127.0.0.1:8500', ssl: false, skipVerify: false, timeoutMs: 10_000 });
      expect(s.model).to.deep.include({ explicit: false, tags: [] });
      expect(s).to.deep.include({ resyncSeconds: 30, deregister: 'always', concurrency: 8, logLevel: 'info' });
      expect(s).to.not.have.any.keys('hostId', 'hostIp');
      expect(s.model).to.not.have.any.keys('network');
    });

    it('runs the run command by default and accepts plan', () => {
      expect(readConfig([], {}).command).to.equal('run');
      expect(readConfig(['plan'], {}).command).to.equal('plan');
    });
  });

  describe('precedence', () => {
    it('reads CONSUL_HTTP_ADDR over the default', () => {
      expect(settings([], { CONSUL_HTTP_ADDR: 'https://consul.internal:8501' }).consul.addr).to.equal('https://consul.internal:8501');
    });

    it('lets the flag beat the environment variable', () => {
      expect(settings(['--consul-addr', '10.0.0.1:8500'], { CONSUL_HTTP_ADDR: '10.0.0.2:8500' }).consul.addr).to.equal('10.0.0.1:8500');
      expect(settings(['--concurrency=3'], { REGISTRAR_CONCURRENCY: '5' }).concurrency).to.equal(3);
    });

    it('lets the environment variable beat the default', () => {
      expect(settings([], { REGISTRAR_CONCURRENCY: '5', REGISTRAR_LOG_LEVEL: 'debug' })).to.deep.include({
        concurrency: 5,
        logLevel: 'debug',
      });
    });

    it('takes an empty environment variable as unset', () => {
      expect(settings([], { CONSUL_HTTP_ADDR: '', REGISTRAR_RESYNC: '' })).to.deep.include({ resyncSeconds: 30 });
      expect(settings([], { CONSUL_HTTP_ADDR: '' }).consul.addr).to.equal('127.0.0.1:8500');
    });

    it('reads every option from its own environment variable', () => {
      const s = settings([], {
        DOCKER_HOST: 'tcp://docker:2376',
        DOCKER_TLS_VERIFY: '1',
        DOCKER_CERT_PATH: '/certs',
        CONSUL_HTTP_SSL: 'true',
        CONSUL_HTTP_TOKEN: 'secret',
        CONSUL_HTTP_SSL_VERIFY: 'false',
        REGISTRAR_HOST_ID: 'node-1',
        REGISTRAR_HOST_IP: '192.0.2.1',
        REGISTRAR_NETWORK: 'backend',
        REGISTRAR_EXPLICIT: 'yes',
        REGISTRAR_TAGS: 'a, b',
        REGISTRAR_DEREGISTER: 'on-success',
      });
      expect(s.docker).to.deep.equal({ host: 'tcp://docker:2376', tlsVerify: true, certPath: '/certs', timeoutMs: 10_000 });
      expect(s.consul).to.deep.include({ ssl: true, skipVerify: true, token: 'secret' });
      expect(s).to.deep.include({ hostId: 'node-1', hostIp: '192.0.2.1', deregister: 'on-success' });
      expect(s.model).to.deep.include({ network: 'backend', explicit: true, tags: ['a', 'b'] });
    });

    it('leaves optional settings out rather than empty', () => {
      const s = settings(['--host-id', '', '--network=']);
      expect(s).to.not.have.any.keys('hostId', 'hostIp');
      expect(s.model).to.not.have.any.keys('network');
      expect(s.consul).to.not.have.any.keys('token', 'tokenFile', 'caCert');
    });
  });

  describe('boolean flags', () => {
    it('reads a bare --flag as true', () => {
      expect(settings(['--explicit']).model.explicit).to.equal(true);
    });

    it('reads --flag=false as false, over a true environment variable', () => {
      expect(settings(['--explicit=false'], { REGISTRAR_EXPLICIT: 'true' }).model.explicit).to.equal(false);
      expect(settings(['--consul-ssl-verify=false']).consul.skipVerify).to.equal(true);
    });

    it('reads --flag=true as true, over a false environment variable', () => {
      expect(settings(['--docker-tls-verify=true'], { DOCKER_TLS_VERIFY: '0' }).docker.tlsVerify).to.equal(true);
    });

    it("does not take a string flag's =value for a boolean", () => {
      expect(settings(['--tags=a,b']).model.tags).to.deep.equal(['a', 'b']);
    });
  });

  describe('bad values', () => {
    const cases: [string, string[], NodeJS.ProcessEnv, string][] = [
      ['a boolean flag that is neither true nor false', ['--explicit=maybe'], {}, '--explicit / REGISTRAR_EXPLICIT'],
      ['a boolean variable that is neither true nor false', [], { CONSUL_HTTP_SSL: 'sometimes' }, '--consul-ssl / CONSUL_HTTP_SSL'],
      ['a resync that is not a number', ['--resync', 'often'], {}, '--resync / REGISTRAR_RESYNC'],
      ['a negative resync', [], { REGISTRAR_RESYNC: '-1' }, '--resync / REGISTRAR_RESYNC'],
      ['a concurrency below 1', [], { REGISTRAR_CONCURRENCY: '0' }, '--concurrency / REGISTRAR_CONCURRENCY'],
      ['an unknown deregister mode', ['--deregister', 'never'], {}, '--deregister / REGISTRAR_DEREGISTER'],
      ['an unknown log level', [], { REGISTRAR_LOG_LEVEL: 'verbose' }, '--log-level / REGISTRAR_LOG_LEVEL'],
      ['a Docker host without a scheme', [], { DOCKER_HOST: 'localhost:2375' }, '--docker-host / DOCKER_HOST'],
      ['an IP family other than 4 or 6', ['--ip-family', 'ipv5'], {}, '--ip-family / REGISTRAR_IP_FAMILY'],
      ['a TTL refresh as long as the TTL', ['--ttl', '30'], { REGISTRAR_TTL_REFRESH: '30' }, '--ttl-refresh / REGISTRAR_TTL_REFRESH'],
      [
        'a TTL refresh as long as the TTL once both are in ms',
        ['--ttl', '1.0004', '--ttl-refresh', '1.0001'],
        {},
        '--ttl-refresh / REGISTRAR_TTL_REFRESH',
      ],
      ['a TTL under a second', ['--ttl', '0.9'], {}, '--ttl / REGISTRAR_TTL'],
      ['a TTL over a day (a timer that long fires at once)', ['--ttl', '1e10'], {}, '--ttl / REGISTRAR_TTL'],
    ];
    for (const [what, argv, env, names] of cases) {
      it(`refuses ${what}, naming ${names}`, () => {
        const err = configError(() => settings(argv, env));
        expect(err.message).to.include(names);
      });
    }

    it('takes the IP family as the SERVICE_IP_FAMILY label does: 6, ipv6, IPv4', () => {
      expect(settings([], { REGISTRAR_IP_FAMILY: '6' }).model.ipFamily).to.equal('ipv6');
      expect(settings(['--ip-family', 'IPv4'], { REGISTRAR_IP_FAMILY: '6' }).model.ipFamily).to.equal('ipv4');
      expect(settings().model.ipFamily).to.equal('ipv4');
    });

    it('takes --ttl and --ttl-refresh, refreshing three times per TTL unless told', () => {
      expect(settings()).to.not.have.any.keys('registrarTtl');
      expect(settings(['--ttl', '30']).registrarTtl).to.deep.equal({ ttlMs: 30_000, refreshMs: 10_000 });
      expect(settings([], { REGISTRAR_TTL: '30', REGISTRAR_TTL_REFRESH: '15' }).registrarTtl).to.deep.equal({
        ttlMs: 30_000,
        refreshMs: 15_000,
      });
      expect(settings(['--ttl', '1']).registrarTtl, 'the default refresh keeps the half-second floor').to.deep.equal({
        ttlMs: 1000,
        refreshMs: 500,
      });
    });

    it('lets --ttl 0 turn off a TTL the environment set, refresh and all', () => {
      expect(settings(['--ttl', '0'], { REGISTRAR_TTL: '30', REGISTRAR_TTL_REFRESH: '10' })).to.not.have.any.keys('registrarTtl');
    });

    it('quotes the bad value in the message', () => {
      expect(configError(() => settings([], { REGISTRAR_LOG_LEVEL: 'verbose' })).message).to.include('"verbose"');
    });

    it('refuses a fractional concurrency (a number of containers is whole)', () => {
      expect(configError(() => settings(['--concurrency', '2.5'])).message).to.include('--concurrency / REGISTRAR_CONCURRENCY');
    });

    it('refuses a blank --resync instead of reading it as 0 (which turns periodic passes off)', () => {
      expect(configError(() => settings(['--resync='])).message).to.include('--resync / REGISTRAR_RESYNC');
    });

    it('refuses an unknown flag, pointing to --help', () => {
      expect(configError(() => readConfig(['--no-such-flag'], {})).message).to.include('--help');
    });

    it('names an unknown flag and suggests the known one a single edit away', () => {
      const message = (argv: string[]) => configError(() => readConfig(argv, {})).message;
      expect(message(['--no-such-flag']))
        .to.include('--no-such-flag')
        .and.not.include('did you mean');
      expect(message(['--resyc', '5']))
        .to.include('--resyc')
        .and.include('--resync');
      expect(message(['--http-adr=0.0.0.0:9480']))
        .to.include('--http-adr')
        .and.include('--http-addr');
      expect(message(['--consul-adrd', 'x'])).to.include('--consul-addr');
      expect(message(['--network', 'x', '--deregsiter', 'always'])).to.include('--deregister');
    });

    it('refuses an unknown command or an extra positional', () => {
      expect(configError(() => readConfig(['deploy'], {})).message).to.include('unknown command "deploy"');
      expect(configError(() => readConfig(['plan', 'web', 'extra'], {})).message).to.include('unknown command "plan web extra"');
      expect(configError(() => readConfig(['run', 'web'], {})).message).to.include('unknown command "run web"');
    });

    it('takes one container for plan, before or after its flags', () => {
      expect(readConfig(['plan', 'web-1', '--json'], {})).to.deep.include({ command: 'plan', container: 'web-1' });
      expect(readConfig(['--json', 'plan', 'web-1'], {})).to.deep.include({ command: 'plan', container: 'web-1' });
      expect(readConfig(['plan'], {})).to.not.have.property('container');
    });
  });

  describe('helpText', () => {
    it('lists every flag with its environment variable', () => {
      const help = helpText();
      for (const [name, o] of Object.entries(OPTIONS)) {
        expect(help).to.include(`--${name}`);
        if (o.env) expect(help).to.include(`[env ${o.env}]`);
      }
      expect(help).to.include('(default 127.0.0.1:8500)');
    });
  });

  describe('Connect proxy limits', () => {
    it('bounds every proxy container by default, and takes flags and environment variables', () => {
      const image = ['--connect-proxy-image', 'consul:1.8.7'];
      expect(settings(image).connectProxy!.limits).to.deep.equal({ memoryBytes: 128 * 2 ** 20, nanoCpus: 1e9, pids: 256 });
      const given = settings([...image, '--connect-proxy-memory', '64', '--connect-proxy-cpus', '0.5'], {
        REGISTRAR_CONNECT_PROXY_PIDS: '32',
      });
      expect(given.connectProxy!.limits).to.deep.equal({ memoryBytes: 64 * 2 ** 20, nanoCpus: 5e8, pids: 32 });
    });

    it('refuses limits Docker would refuse or that no proxy could run in, naming the flag', () => {
      const image = ['--connect-proxy-image', 'consul:1.8.7'];
      for (const [flag, value] of [
        ['--connect-proxy-memory', '4'],
        ['--connect-proxy-memory', '1.5'],
        ['--connect-proxy-cpus', '0'],
        ['--connect-proxy-pids', '-1'],
        ['--connect-proxy-pids', 'lots'],
      ] as const) {
        expect(configError(() => settings([...image, flag, value])).message).to.include(flag);
      }
    });
  });
});

describe('config: plan --compare-with', () => {
  it('compares with Registrator unless told, takes fork or both from the flag or REGISTRAR_COMPARE_WITH, and refuses others', () => {
    expect(settings().compareWith).to.equal('registrator');
    expect(settings(['--compare-with', 'fork']).compareWith).to.equal('fork');
    expect(settings([], { REGISTRAR_COMPARE_WITH: 'both' }).compareWith).to.equal('both');
    expect(() => settings(['--compare-with', 'consul'])).to.throw(ConfigError, /--compare-with \/ REGISTRAR_COMPARE_WITH/);
  });
});
