// When a Connect proxy is replaced and how long its next start waits, without Docker: the rules
// the sidecar keeper applies (its own test, sidecar-proxies.test.ts, drives them through Docker).
import { expect } from 'chai';
import type { ProxyFact } from '../../../src/model/facts.js';
import type { ProxySpec } from '../../../src/model/registration.js';
import { proxyFingerprint, proxyMayStay, removalReason, RestartBackoff } from '../../../src/reconcile/proxy-restarts.js';
import { TIMINGS } from '../../../src/timings.js';

const spec: ProxySpec = {
  appId: 'app1',
  sidecarId: 'web-sidecar-proxy',
  serviceId: 'web',
  serviceName: 'web',
  limits: { memoryBytes: 64 * 1024 * 1024, nanoCpus: 500_000_000, pids: 64 },
  name: 'web-sidecar-proxy',
  image: 'consul:1.8.7',
  cmd: ['connect', 'proxy', '-sidecar-for', 'web'],
  env: { A: '1', B: '2' },
  appStartedAt: '2026-12-07T00:00:00Z',
};
const fact = (over: Partial<ProxyFact> = {}): ProxyFact => ({
  id: 'p1',
  appId: 'app1',
  sidecarId: spec.sidecarId,
  fingerprint: proxyFingerprint(spec),
  running: true,
  ...over,
});

describe('reconcile/proxy-restarts', () => {
  describe('which proxy is replaced', () => {
    it('keeps a running proxy started with the same settings for the same run of its app', () => {
      expect(proxyMayStay(fact(), proxyFingerprint(spec), false)).to.equal(true);
      expect(proxyFingerprint({ ...spec, env: { B: '2', A: '1' } })).to.equal(proxyFingerprint(spec));
    });

    it('replaces one whose app restarted, whose settings changed, that stopped, or that Docker said ended', () => {
      const wanted = proxyFingerprint(spec);
      expect(proxyMayStay(fact({ fingerprint: proxyFingerprint({ ...spec, appStartedAt: 'later' }) }), wanted, false)).to.equal(false);
      expect(proxyMayStay(fact({ fingerprint: proxyFingerprint({ ...spec, image: 'envoy' }) }), wanted, false)).to.equal(false);
      expect(proxyMayStay(fact({ running: false }), wanted, false)).to.equal(false);
      expect(proxyMayStay(fact(), wanted, true)).to.equal(false);
      expect(removalReason(fact({ fingerprint: 'other' }), wanted)).to.equal('changed');
      expect(removalReason(fact({ running: false }), wanted)).to.equal('ended');
    });

    it('removes one no sidecar asks for', () => {
      expect(proxyMayStay(fact(), undefined, false)).to.equal(false);
      expect(removalReason(fact(), undefined)).to.equal('unwanted');
    });
  });

  describe('the pause before a start', () => {
    let now = 0;
    const backoff = () => new RestartBackoff(() => now);
    beforeEach(() => (now = 0));

    it('starts at once the first time and after a run that lasted', () => {
      const b = backoff();
      expect(b.pauseBefore(spec)).to.equal(0);
      now += TIMINGS.proxyStableMs;
      expect(b.pauseBefore(spec)).to.equal(0);
    });

    it('doubles the pause per quick failure up to the cap, counting from the last start', () => {
      const b = backoff();
      b.pauseBefore(spec);
      const pauses: number[] = [];
      for (let i = 0; i < 10; i++) {
        now += 1;
        const wait = b.pauseBefore(spec);
        pauses.push(wait + 1);
        now += wait;
        expect(b.pauseBefore(spec)).to.equal(0);
      }
      expect(pauses.slice(0, 3)).to.deep.equal([1, 2, 4].map((n) => n * TIMINGS.proxyRestartFirstMs));
      expect(Math.max(...pauses)).to.equal(TIMINGS.proxyRestartMaxMs);
    });

    it('does not take the time spent waiting for a run that lasted', () => {
      const b = backoff();
      b.pauseBefore(spec);
      now += 1;
      const wait = b.pauseBefore(spec);
      now += TIMINGS.proxyStableMs; // waited past the pause without a start: the next start is still a retry
      expect(b.pauseBefore(spec)).to.equal(0);
      now += 1;
      expect(b.pauseBefore(spec)).to.be.greaterThan(wait);
    });

    it("forgets the sidecars an app no longer asks for, and only that app's", () => {
      const b = backoff();
      const other = { ...spec, appId: 'app2', sidecarId: 'db-sidecar-proxy' };
      b.pauseBefore(spec);
      b.pauseBefore(other);
      now += 1;
      b.keepOnly('app1', []);
      expect(b.pauseBefore(spec)).to.equal(0);
      expect(b.pauseBefore(other)).to.be.greaterThan(0);
    });
  });
});
