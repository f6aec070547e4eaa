import { expect } from 'chai';
import { codes } from '../support/findings.js';
import type { Finding } from '../../../src/model/findings.js';
import { parseBool, readSettings, settingsForPort, splitList } from '../../../src/model/settings.js';

describe('model/settings', () => {
  describe('readSettings', () => {
    it('reads only SERVICE_* keys, without the prefix and lower-cased', () => {
      const s = readSettings({ PATH: '/bin', SERVICE_NAME: 'web', Service_Check_HTTP: '/' }, { 'com.example': 'x', SERVICE_TAGS: 'a' });
      expect([...s.common]).to.have.deep.members([
        ['name', 'web'],
        ['check_http', '/'],
        ['tags', 'a'],
      ]);
      expect(s.perPort.size).to.equal(0);
    });

    it('lets a label beat an environment variable of the same key, whatever their case', () => {
      const s = readSettings({ SERVICE_NAME: 'env' }, { service_name: 'label' });
      expect(s.common.get('name')).to.equal('label');
    });

    it('files SERVICE_<port>_<KEY> under its port', () => {
      const s = readSettings({ SERVICE_80_NAME: 'front' }, { SERVICE_443_CHECK_HTTPS: '/', SERVICE_80_TAGS: 'x' });
      expect([...s.perPort.keys()]).to.have.members([80, 443]);
      expect([...s.perPort.get(80)!]).to.have.deep.members([
        ['name', 'front'],
        ['tags', 'x'],
      ]);
      expect(s.perPort.get(443)!.get('check_https')).to.equal('/');
      expect(s.common.size).to.equal(0);
    });

    it('lets a port label beat the same port env variable', () => {
      const s = readSettings({ SERVICE_80_NAME: 'env' }, { SERVICE_80_NAME: 'label' });
      expect(s.perPort.get(80)!.get('name')).to.equal('label');
    });

    it('keeps a key that starts with digits but has no _<KEY> after them as a common key', () => {
      const s = readSettings({}, { SERVICE_8080: 'x', SERVICE_80X_NAME: 'y' });
      expect([...s.common]).to.deep.equal([
        ['8080', 'x'],
        ['80x_name', 'y'],
      ]);
    });

    it('ignores a bare SERVICE_ key', () => {
      const s = readSettings({ SERVICE_: 'x' }, {});
      expect(s.common.size).to.equal(0);
    });
  });

  describe('settingsForPort', () => {
    it('gives a port its own keys over the common ones', () => {
      const s = readSettings({ SERVICE_NAME: 'all', SERVICE_TAGS: 't' }, { SERVICE_80_NAME: 'front' });
      expect(Object.fromEntries(settingsForPort(s, 80))).to.deep.equal({ name: 'front', tags: 't' });
      expect(Object.fromEntries(settingsForPort(s, 81))).to.deep.equal({ name: 'all', tags: 't' });
    });

    it('gives the port key precedence even when it comes from env and the common key from a label', () => {
      const s = readSettings({ SERVICE_80_NAME: 'port-env' }, { SERVICE_NAME: 'common-label' });
      expect(settingsForPort(s, 80).get('name')).to.equal('port-env');
    });
  });

  describe('parseBool', () => {
    for (const v of ['true', 'TRUE', ' 1 ', 'yes', 'On'])
      it(`reads ${JSON.stringify(v)} as true`, () => expect(parseBool(v)).to.equal(true));
    for (const v of ['false', 'False', '0', 'no', 'off', '', '  '])
      it(`reads ${JSON.stringify(v)} as false`, () => expect(parseBool(v)).to.equal(false));
    for (const v of ['maybe', '2', 'y', 'truthy'])
      it(`reads ${JSON.stringify(v)} as neither`, () => expect(parseBool(v)).to.equal(undefined));
  });

  describe('splitList', () => {
    it('splits on commas, trims, and drops empty entries', () => {
      expect(splitList(' a, b ,,c ,')).to.deep.equal(['a', 'b', 'c']);
      expect(splitList('')).to.deep.equal([]);
    });

    it('keeps duplicates and order (the caller decides)', () => {
      expect(splitList('b,a,b')).to.deep.equal(['b', 'a', 'b']);
    });
  });
});

describe('model/settings: bounded reading', () => {
  it(`reads at most ${1024} SERVICE_* keys, labels first, with one warning`, () => {
    const labels = Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`SERVICE_K${i}`, 'v']));
    const findings: Finding[] = [];
    const s = readSettings({ SERVICE_NAME: 'from-env' }, labels, findings);
    expect(s.common.size).to.equal(1024);
    expect(s.common.has('name'), 'env comes after labels').to.equal(false);
    expect([...new Set(codes(findings))]).to.deep.equal(['too-many-settings']);
  });

  it('names what is too long: the key or the value', () => {
    const findings: Finding[] = [];
    readSettings({}, { [`SERVICE_${'K'.repeat(300)}`]: 'v', SERVICE_BIG: 'x'.repeat(5000) }, findings);
    expect(codes(findings)).to.deep.equal(['setting-too-long', 'setting-too-long']);
    expect(findings[1]?.label).to.equal('SERVICE_BIG');
  });
});
