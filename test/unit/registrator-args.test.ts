// Registrator's command line, as its users' compose files and unit files write it, read as this
// registrar's own flags: the mapped ones exactly, the others accepted with a note, anything unknown refused.
import { expect } from 'chai';
import { ConfigError, readConfig, toSettings } from '../../src/config.js';
import { translateRegistratorArgs } from '../../src/registrator-args.js';

const translate = (argv: string[], env: NodeJS.ProcessEnv = {}) => translateRegistratorArgs(argv, env, (name) => name === 'consul-addr');

describe('registrator-args: Registrator command lines', () => {
  it("reads Registrator's documented compose command unchanged", () => {
    const { values, notes, command } = readConfig(['-internal', '-resync', '30', 'consul://consul:8500'], {});
    expect(command).to.equal('run');
    expect(values['consul-addr']).to.equal('consul:8500');
    expect(values.resync).to.equal('30');
    expect(values['replace-registrator']).to.equal('true');
    expect(notes.map((n) => n.flag)).to.deep.equal(['-internal', '--replace-registrator']);
  });

  it("takes over Registrator's entries by default on its command line, unless the flag or variable says otherwise", () => {
    const replace = (argv: string[], env: NodeJS.ProcessEnv = {}) => toSettings(readConfig(argv, env).values).replaceRegistrator;
    expect(replace(['consul://consul:8500'])).to.equal(true);
    expect(replace(['-internal', 'consul://consul:8500', '--replace-registrator=false'])).to.equal(false);
    expect(replace(['consul://consul:8500'], { REGISTRAR_REPLACE_REGISTRATOR: 'false' })).to.equal(false);
    // Our own command line (no backend URI) keeps the default: off.
    expect(replace(['--consul-addr', 'consul:8500'])).to.equal(false);
    expect(translate(['consul://', '-replace-registrator']).args.filter((a) => a.includes('replace'))).to.deep.equal([
      '-replace-registrator',
    ]);
  });

  it('maps each flag with an equivalent, in one-dash, two-dash and = forms', () => {
    const s = toSettings(
      readConfig(
        [
          '-hostname',
          'node-7',
          '-ip=10.1.2.3',
          '--tags',
          'a,b',
          '-explicit',
          '-deregister=on-success',
          '-ttl',
          '30',
          '-ttl-refresh=10',
          'consul://',
        ],
        {},
      ).values,
    );
    expect(s.hostId).to.equal('node-7');
    expect(s.hostIp).to.equal('10.1.2.3');
    expect(s.model.tags).to.deep.equal(['a', 'b']);
    expect(s.model.explicit).to.equal(true);
    expect(s.deregister).to.equal('on-success');
    expect(s.registrarTtl).to.deep.equal({ ttlMs: 30_000, refreshMs: 10_000 });
    expect(s.consul.addr).to.equal('127.0.0.1:8500');
  });

  it('accepts the flags with no counterpart, each with one note, and their values', () => {
    const { args, notes } = translate([
      '-cleanup',
      '-retry-attempts',
      '-1',
      '-retry-interval=2000',
      '-useIpFromLabel',
      'ip',
      '-internal=false',
    ]);
    expect(args).to.deep.equal(['--ip-from-label=ip']);
    expect(notes.map((n) => n.flag)).to.deep.equal(['-cleanup', '-retry-attempts', '-retry-interval']);
  });

  it('reads consul-tls:// as HTTPS, with CONSUL_TLSCERT and CONSUL_TLSKEY under our names unless those are set', () => {
    const t = translate(['consul-tls://consul.internal:8501'], {
      CONSUL_TLSCERT: '/c.pem',
      CONSUL_TLSKEY: '/k.pem',
      CONSUL_CLIENT_KEY: '/mine.pem',
    });
    expect(t.args).to.deep.equal(['--consul-addr=https://consul.internal:8501', '--replace-registrator']);
    expect(t.env).to.deep.equal({ CONSUL_CLIENT_CERT: '/c.pem' });
  });

  it('reads consul-unix:// as an agent on that socket, refuses other backends, and leaves a URL given to one of our flags alone', () => {
    expect(() => translate(['etcd://10.0.0.1:2379'])).to.throw(ConfigError, /only Consul/);
    expect(translate(['consul-unix:///var/run/consul.sock']).args).to.deep.equal([
      '--consul-addr=unix:///var/run/consul.sock',
      '--replace-registrator',
    ]);
    expect(translate(['--consul-addr', 'https://10.0.0.1:8501']).args).to.deep.equal(['--consul-addr', 'https://10.0.0.1:8501']);
  });

  it('takes -h and -version, and keeps commands and our own flags as they are', () => {
    expect(translate(['-h']).args).to.deep.equal(['--help']);
    expect(translate(['-version']).args).to.deep.equal(['--version']);
    expect(translate(['plan', '--resync', '5', '--enable-script-checks']).args).to.deep.equal([
      'plan',
      '--resync=5',
      '--enable-script-checks',
    ]);
    expect(readConfig(['--version'], {}).values.version).to.equal('true');
  });

  it('says which flag lacks its value', () => {
    expect(() => translate(['-resync'])).to.throw(ConfigError, /-resync needs a value/);
  });

  it("accepts the fayrus/registrator fork's -ip-from-container with one note, as what is always done", () => {
    const t = translate(['-ip-from-container', 'consul://consul:8500']);
    expect(t.args).to.not.include('-ip-from-container');
    expect(t.notes.filter((n) => n.flag === '-ip-from-container')).to.have.length(1);
  });
});
