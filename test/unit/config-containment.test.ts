import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, helpText, readConfig, toSettings, validHostId, type Settings } from '../../src/config.js';
import { tokenInTheClear } from '../../src/run-context.js';

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

const POLICY = { rules: [{ names: ['payments-*'], containers: { label: 'team=payments' } }], unlisted: 'deny' };

describe('config: containment settings', () => {
  let scratch: string;
  let policyFile: string;
  let badPolicyFile: string;
  let notJsonFile: string;

  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'config-containment-'));
    policyFile = join(scratch, 'policy.json');
    writeFileSync(policyFile, JSON.stringify(POLICY));
    badPolicyFile = join(scratch, 'bad.json');
    writeFileSync(badPolicyFile, JSON.stringify({ rules: [{ names: ['x'], containers: {} }] }));
    notJsonFile = join(scratch, 'not.json');
    writeFileSync(notJsonFile, 'rules:\n  - names: [x]\n');
  });

  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('defaults to 64 services, SERVICE_IP on own networks only, GET and HEAD, Meta from env, and no name policy', () => {
    const s = settings();
    expect(s.model).to.deep.include({ maxServices: 64, anyServiceIp: false, httpMethods: ['GET', 'HEAD'], metaFromEnv: true });
    expect(s.model).to.not.have.property('namePolicy');
  });

  describe('flags', () => {
    it('reads --max-services, --allow-any-service-ip, --check-http-methods and --meta-from-env=false', () => {
      const argv = ['--max-services', '3', '--allow-any-service-ip', '--check-http-methods', 'get, head,Post', '--meta-from-env=false'];
      const s = settings(argv);
      expect(s.model).to.deep.include({ maxServices: 3, anyServiceIp: true, httpMethods: ['GET', 'HEAD', 'POST'], metaFromEnv: false });
    });

    it('reads --name-policy FILE as a parsed policy', () => {
      expect(settings(['--name-policy', policyFile]).model.namePolicy).to.deep.equal(POLICY);
    });

    it('lets the flags beat the environment variables', () => {
      const s = settings(['--max-services=5', '--allow-any-service-ip=false', '--meta-from-env'], {
        REGISTRAR_MAX_SERVICES: '9',
        REGISTRAR_ALLOW_ANY_SERVICE_IP: 'true',
        REGISTRAR_META_FROM_ENV: 'false',
      });
      expect(s.model).to.deep.include({ maxServices: 5, anyServiceIp: false, metaFromEnv: true });
    });
  });

  describe('environment variables', () => {
    it('reads REGISTRAR_MAX_SERVICES, _ALLOW_ANY_SERVICE_IP, _CHECK_HTTP_METHODS and _META_FROM_ENV', () => {
      const s = settings([], {
        REGISTRAR_MAX_SERVICES: '128',
        REGISTRAR_ALLOW_ANY_SERVICE_IP: '1',
        REGISTRAR_CHECK_HTTP_METHODS: 'GET,OPTIONS',
        REGISTRAR_META_FROM_ENV: 'no',
      });
      expect(s.model).to.deep.include({ maxServices: 128, anyServiceIp: true, httpMethods: ['GET', 'OPTIONS'], metaFromEnv: false });
    });

    it('reads REGISTRAR_NAME_POLICY as a parsed policy', () => {
      expect(settings([], { REGISTRAR_NAME_POLICY: policyFile }).model.namePolicy).to.deep.equal(POLICY);
    });

    it('takes an empty REGISTRAR_NAME_POLICY as no policy', () => {
      expect(settings([], { REGISTRAR_NAME_POLICY: '' }).model).to.not.have.property('namePolicy');
    });
  });

  describe('bad values', () => {
    for (const value of ['0', '-1', '1.5', 'many', '']) {
      it(`refuses --max-services ${JSON.stringify(value)}, naming the flag and variable`, () => {
        const err = configError(() => settings([`--max-services=${value}`]));
        expect(err.message).to.include('--max-services / REGISTRAR_MAX_SERVICES').and.include('whole number of at least 1');
      });
    }

    it('refuses a REGISTRAR_ALLOW_ANY_SERVICE_IP that is neither true nor false', () => {
      for (const env of ['REGISTRAR_ALLOW_ANY_SERVICE_IP', 'REGISTRAR_META_FROM_ENV']) {
        expect(configError(() => settings([], { [env]: 'perhaps' })).message)
          .to.include(env)
          .and.include('"perhaps"');
      }
    });

    for (const value of ['GET,B@D', 'GET HEAD', ',', 'GET\nX', 'GETTTTTTTTTTTTTTTT']) {
      it(`refuses --check-http-methods ${JSON.stringify(value)}`, () => {
        const err = configError(() => settings([`--check-http-methods=${value}`]));
        expect(err.message).to.include('--check-http-methods / REGISTRAR_CHECK_HTTP_METHODS');
      });
    }

    it('refuses a name policy file that is not a policy, naming the file, --name-policy / REGISTRAR_NAME_POLICY and the problem', () => {
      for (const run of [() => settings(['--name-policy', badPolicyFile]), () => settings([], { REGISTRAR_NAME_POLICY: badPolicyFile })]) {
        const err = configError(run);
        expect(err.message).to.include(badPolicyFile).and.include('--name-policy / REGISTRAR_NAME_POLICY');
        expect(err.message).to.include('rule 1: "containers"');
      }
    });

    it('refuses a name policy file that is not JSON', () => {
      expect(configError(() => settings(['--name-policy', notJsonFile])).message).to.include('--name-policy / REGISTRAR_NAME_POLICY');
    });

    it('refuses a missing name policy file, naming the setting', () => {
      const missing = join(scratch, 'missing.json');
      const err = configError(() => settings([], { REGISTRAR_NAME_POLICY: missing }));
      expect(err.message).to.include(missing).and.include('--name-policy / REGISTRAR_NAME_POLICY').and.include('ENOENT');
    });
  });

  describe('--host-id', () => {
    for (const id of ['a/b', '..', '.', 'a:b', 'a b', 'x'.repeat(65), 'héte', 'a\nb']) {
      const label = JSON.stringify(id.length > 20 ? `${id.slice(0, 6)}… (${id.length})` : id);
      it(`refuses ${label}, naming --host-id / REGISTRAR_HOST_ID`, () => {
        expect(configError(() => settings(['--host-id', id])).message).to.include('--host-id / REGISTRAR_HOST_ID');
        expect(configError(() => settings([], { REGISTRAR_HOST_ID: id })).message).to.include('--host-id / REGISTRAR_HOST_ID');
      });
    }

    it('takes a host name with letters, digits, - _ and .', () => {
      expect(settings(['--host-id', 'node-1.dc_a']).hostId).to.equal('node-1.dc_a');
    });
  });

  describe('validHostId', () => {
    it('accepts host names of 1 to 64 letters, digits, - _ and .', () => {
      for (const id of ['h', 'node-1', 'node_1.example.com', 'x'.repeat(64), '...x']) expect(validHostId(id), id).to.equal(true);
    });

    it('refuses empty, only dots, too long, and any other character', () => {
      for (const id of ['', '.', '..', '...', 'x'.repeat(65), 'a/b', 'a:b', 'a b', 'consul-registrar:x', '%2F']) {
        expect(validHostId(id), id).to.equal(false);
      }
    });
  });

  it('lists the new flags with their environment variables in --help', () => {
    const help = helpText();
    for (const [flag, env] of [
      ['--max-services', 'REGISTRAR_MAX_SERVICES'],
      ['--allow-any-service-ip', 'REGISTRAR_ALLOW_ANY_SERVICE_IP'],
      ['--check-http-methods', 'REGISTRAR_CHECK_HTTP_METHODS'],
      ['--meta-from-env', 'REGISTRAR_META_FROM_ENV'],
      ['--name-policy', 'REGISTRAR_NAME_POLICY'],
    ]) {
      expect(help).to.include(flag!).and.include(`[env ${env}]`);
    }
  });
});

describe('config: settings that look off but are mistakes', () => {
  it('refuses an empty boolean flag instead of reading it as false', () => {
    expect(() => toSettings(readConfig(['--explicit='], {}).values)).to.throw(ConfigError, /--explicit/);
  });
});

describe('run-context: a token over plain HTTP', () => {
  it('is flagged for an agent off this machine, not for loopback or HTTPS', () => {
    expect(tokenInTheClear('http://10.0.0.5:8500/v1')).to.equal(true);
    expect(tokenInTheClear('http://consul:8500/v1')).to.equal(true);
    for (const url of ['http://127.0.0.1:8500/v1', 'http://localhost:8500/v1', 'http://[::1]:8500/v1', 'https://10.0.0.5:8501/v1']) {
      expect(tokenInTheClear(url), url).to.equal(false);
    }
  });
});
