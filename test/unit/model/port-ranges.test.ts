import { expect } from 'chai';
import { planContainer } from '../../../src/model/plan.js';
import { facts, options, withSettings } from '../support/fixtures.js';

// default-bridge: 53/udp, 80/tcp and 8080/tcp.
const plan = (labels: Record<string, string>) => planContainer(withSettings(facts('default-bridge'), labels), options());
const ports = (labels: Record<string, string>) => plan(labels).registrations.map((r) => r.Port);
const codes = (labels: Record<string, string>) => plan(labels).findings.map((f) => f.code);

describe("model/plan: the fork's port-range keys SERVICE_<N>-<M>_IGNORE", () => {
  it('ignores every exposed port inside the range, both ends included', () => {
    expect(ports({ 'SERVICE_80-8080_IGNORE': 'true' })).to.deep.equal([53]);
    expect(ports({ 'SERVICE_53-53_IGNORE': 'true' })).to.deep.equal([80, 8080]);
    expect(ports({ 'SERVICE_81-8079_IGNORE': 'true' })).to.deep.equal([53, 80, 8080]);
  });

  it("lets a port's own IGNORE, per-protocol too, win over the range", () => {
    expect(ports({ 'SERVICE_1-65535_IGNORE': 'true', SERVICE_80_IGNORE: 'false' })).to.deep.equal([80]);
    expect(ports({ 'SERVICE_1-65535_IGNORE': 'true', SERVICE_8080_tcp_IGNORE: 'false' })).to.deep.equal([8080]);
    expect(ports({ 'SERVICE_1-65535_IGNORE': 'false', SERVICE_53_IGNORE: 'true' })).to.deep.equal([80, 8080]);
  });

  it('takes the narrowest of overlapping ranges, and a range over SERVICE_IGNORE=false', () => {
    expect(ports({ 'SERVICE_1-9000_IGNORE': 'true', 'SERVICE_80-80_IGNORE': 'false' })).to.deep.equal([80]);
    expect(ports({ SERVICE_IGNORE: 'false', 'SERVICE_8000-8099_IGNORE': 'true' })).to.deep.equal([53, 80]);
  });

  it('says so when every port falls in ranges, and reads a non-boolean as true with a finding', () => {
    expect(plan({ 'SERVICE_1-65535_IGNORE': 'true' }).skipped?.code).to.equal('every-port-ignored');
    const p = plan({ 'SERVICE_80-80_IGNORE': 'maybe' });
    expect(p.registrations.map((r) => r.Port)).to.deep.equal([53, 8080]);
    expect(p.findings.find((f) => f.code === 'ignore-not-boolean')).to.include({ port: '80', label: 'SERVICE_80-80_IGNORE' });
  });

  it('refuses a range high to low, outside 1..65535 or with a key other than IGNORE, with one finding each', () => {
    for (const key of ['SERVICE_8080-80_IGNORE', 'SERVICE_0-100_IGNORE', 'SERVICE_1-65536_IGNORE', 'SERVICE_1-99999999999999_IGNORE']) {
      expect(ports({ [key]: 'true' }), key).to.deep.equal([53, 80, 8080]);
      expect(codes({ [key]: 'true' }), key).to.deep.equal(['port-range-refused']);
    }
    const p = plan({ 'SERVICE_80-90_NAME': 'web' });
    expect(p.registrations.map((r) => r.Name)).to.not.include('web');
    expect(p.findings.map((f) => [f.code, f.label])).to.deep.equal([['port-range-refused', 'SERVICE_80-90_NAME']]);
  });

  it('never takes a range key as service Meta or as an unknown key', () => {
    const p = plan({ 'SERVICE_8000-8099_IGNORE': 'true', 'SERVICE_9000-9001_IGNOR': 'true' });
    for (const r of p.registrations) expect(Object.keys(r.Meta).filter((k) => !k.startsWith('registrar_'))).to.deep.equal([]);
    expect(p.findings.map((f) => f.code)).to.deep.equal(['port-range-refused']);
  });

  it('reads labels over env for the same range', () => {
    const f = withSettings(facts('default-bridge'), { 'SERVICE_80-80_IGNORE': 'false' });
    const p = planContainer({ ...f, env: { ...f.env, 'SERVICE_80-80_IGNORE': 'true' } }, options());
    expect(p.registrations.map((r) => r.Port)).to.deep.equal([53, 80, 8080]);
  });
});
