import { expect } from 'chai';
import type { Finding } from '../../../src/model/findings.js';
import { userMeta } from '../../../src/model/meta.js';

const meta = (settings: Record<string, string>) => {
  const findings: Finding[] = [];
  return { meta: userMeta(new Map(Object.entries(settings)), findings), findings };
};

describe('model/meta: userMeta', () => {
  it('turns unknown keys into Meta', () => {
    expect(meta({ version: '1.2', owner: 'team-a', 'build-id': '77' })).to.deep.equal({
      meta: { version: '1.2', owner: 'team-a', 'build-id': '77' },
      findings: [],
    });
  });

  it('keeps the keys with a meaning of their own and all check_ keys out', () => {
    const known = {
      name: 'n',
      id: 'i',
      tags: 't',
      ignore: 'false',
      ip: '1.2.3.4',
      network: 'n',
      ports: '80',
      check_http: '/',
      check_whatever: 'x',
    };
    expect(meta(known)).to.deep.equal({ meta: {}, findings: [] });
  });

  it('drops, with a warning naming the SERVICE_ variable, keys Consul refuses', () => {
    const { meta: m, findings } = meta({ 'bad.key': 'x', 'with space': 'y', ok_key: 'z' });
    expect(m).to.deep.equal({ ok_key: 'z' });
    expect(findings).to.have.length(2);
    expect(findings.map((f) => [f.code, f.label])).to.deep.equal([
      ['meta-key-refused', 'SERVICE_BAD.KEY'],
      ['meta-key-refused', 'SERVICE_WITH SPACE'],
    ]);
  });

  it('drops keys in the registrar_ and consul- namespaces, so ownership cannot be forged', () => {
    const { meta: m, findings } = meta({ registrar_host: 'evil', registrar_container: 'x', 'consul-x': 'y' });
    expect(m).to.deep.equal({});
    expect(findings).to.have.length(3);
  });

  it('drops a key longer than 128 characters', () => {
    const { meta: m, findings } = meta({ ['k'.repeat(129)]: 'v', ['k'.repeat(128)]: 'v' });
    expect(Object.keys(m)).to.deep.equal(['k'.repeat(128)]);
    expect(findings).to.have.length(1);
  });

  it('drops a value longer than 512 characters with a warning', () => {
    const { meta: m, findings } = meta({ long: 'v'.repeat(513), fits: 'v'.repeat(512) });
    expect(Object.keys(m)).to.deep.equal(['fits']);
    expect(findings.map((f) => [f.code, f.label])).to.deep.equal([['meta-value-too-long', 'SERVICE_LONG']]);
  });

  it("keeps room for the ownership keys within Consul's 64 pairs: 61 user keys at most", () => {
    const many = Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`k${i}`, String(i)]));
    const { meta: m, findings } = meta(many);
    expect(Object.keys(m)).to.have.length(61);
    expect(m).to.have.property('k60');
    expect(m).to.not.have.property('k61');
    expect(findings, 'one warning, not one per key left out').to.have.length(1);
    expect(findings[0]).to.include({ code: 'too-many-meta', label: 'SERVICE_K61' });
  });
});
