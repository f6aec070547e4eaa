import { expect } from 'chai';
import {
  ALIAS_OF_MISSING_IS_CRITICAL_SINCE,
  atLeast,
  capabilitiesOf,
  fitToAgent,
  OLDEST_SUPPORTED,
  parseVersion,
} from '../../../src/consul/capabilities.js';
import type { Registration } from '../../../src/model/registration.js';

const registration = (): Registration => ({
  ID: 'a',
  Name: 'web',
  Tags: [],
  Address: '10.0.0.2',
  Port: 443,
  Meta: {},
  Checks: [
    {
      CheckID: 'service:a:https',
      Name: 'https',
      HTTP: 'https://10.0.0.2:443/',
      Interval: '10s',
      TLSSkipVerify: true,
      TLSServerName: 'api.internal',
      SuccessBeforePassing: 2,
    },
    { CheckID: 'service:a:tcp', Name: 'tcp', TCP: '10.0.0.2:443', Interval: '10s' },
  ],
});

describe('consul/capabilities', () => {
  describe('parseVersion', () => {
    it('reads major.minor.patch', () => {
      expect(parseVersion('1.8.7')).to.deep.equal([1, 8, 7]);
      expect(parseVersion('1.10.0')).to.deep.equal([1, 10, 0]);
    });

    it('ignores a leading v, whitespace and pre-release or build suffixes', () => {
      expect(parseVersion(' v1.16.2 ')).to.deep.equal([1, 16, 2]);
      expect(parseVersion('1.17.0-rc1')).to.deep.equal([1, 17, 0]);
      expect(parseVersion('1.15.4+ent')).to.deep.equal([1, 15, 4]);
    });

    it('gives undefined for text that is not a version', () => {
      expect(parseVersion('')).to.equal(undefined);
      expect(parseVersion('1.8')).to.equal(undefined);
      expect(parseVersion('latest')).to.equal(undefined);
    });
  });

  describe('atLeast', () => {
    it('compares numerically, part by part', () => {
      expect(atLeast([1, 10, 0], [1, 9, 9])).to.equal(true);
      expect(atLeast([1, 9, 9], [1, 10, 0])).to.equal(false);
      expect(atLeast([1, 6, 1], OLDEST_SUPPORTED)).to.equal(true);
      expect(atLeast([1, 6, 0], OLDEST_SUPPORTED)).to.equal(false);
      expect(atLeast([1, 7, 14], ALIAS_OF_MISSING_IS_CRITICAL_SINCE), '--ttl is off before 1.8').to.equal(false);
      expect(atLeast([1, 8, 7], ALIAS_OF_MISSING_IS_CRITICAL_SINCE)).to.equal(true);
      expect(atLeast([2, 0, 0], [1, 99, 99])).to.equal(true);
    });
  });

  describe('capabilitiesOf', () => {
    it('refuses TLSServerName before 1.10.0', () => {
      expect(capabilitiesOf([1, 8, 7])).to.deep.equal({
        version: [1, 8, 7],
        unsupportedCheckFields: ['TLSServerName', 'DisableRedirects'],
      });
      expect(capabilitiesOf([1, 9, 17]).unsupportedCheckFields).to.deep.equal(['TLSServerName']);
    });

    it('takes DisableRedirects from the CVE-2022-29153 fix of each branch on (1.9.17, 1.10.10, 1.11.5, 1.12.0)', () => {
      const refuses = (v: [number, number, number]) => capabilitiesOf(v).unsupportedCheckFields.includes('DisableRedirects');
      expect(
        [
          [1, 8, 7],
          [1, 9, 16],
          [1, 10, 9],
          [1, 11, 4],
        ].map((v) => refuses(v as [number, number, number])),
      ).to.deep.equal([true, true, true, true]);
      expect(
        [
          [1, 9, 17],
          [1, 10, 10],
          [1, 11, 5],
          [1, 12, 0],
          [1, 21, 3],
        ].map((v) => refuses(v as [number, number, number])),
      ).to.deep.equal([false, false, false, false, false]);
    });

    it('refuses SuccessBeforePassing and FailuresBeforeCritical before 1.7.0', () => {
      expect(capabilitiesOf([1, 6, 1]).unsupportedCheckFields).to.have.members([
        'SuccessBeforePassing',
        'FailuresBeforeCritical',
        'TLSServerName',
        'DisableRedirects',
      ]);
    });

    it('refuses nothing from 1.12.0 on', () => {
      expect(capabilitiesOf([1, 12, 0]).unsupportedCheckFields).to.deep.equal([]);
      expect(capabilitiesOf([1, 21, 0]).unsupportedCheckFields).to.deep.equal([]);
    });
  });

  describe('fitToAgent', () => {
    it('drops TLSServerName for a 1.8.7 agent and says so, keeping every other field', () => {
      const original = registration();
      const { body, dropped } = fitToAgent(original, capabilitiesOf(parseVersion('1.8.7')!));
      expect(dropped).to.deep.equal(['TLSServerName']);
      expect(body.Checks[0]).to.not.have.property('TLSServerName');
      expect(body.Checks[0]).to.deep.include({ TLSSkipVerify: true, SuccessBeforePassing: 2, HTTP: 'https://10.0.0.2:443/' });
      expect(body.Checks[1]).to.deep.equal(original.Checks[1]);
      expect({ ...body, Checks: [] }).to.deep.equal({ ...original, Checks: [] });
    });

    it('does not change the registration it was given', () => {
      const original = registration();
      fitToAgent(original, capabilitiesOf([1, 6, 1]));
      expect(original).to.deep.equal(registration());
    });

    it('keeps TLSServerName for a 1.10.0 agent and drops nothing', () => {
      const { body, dropped } = fitToAgent(registration(), capabilitiesOf(parseVersion('1.10.0')!));
      expect(dropped).to.deep.equal([]);
      expect(body).to.deep.equal(registration());
    });

    it('names each dropped field once however many checks had it', () => {
      const reg = registration();
      reg.Checks[1] = { ...reg.Checks[1]!, SuccessBeforePassing: 1 };
      const { body, dropped } = fitToAgent(reg, capabilitiesOf([1, 6, 1]));
      expect(dropped).to.have.members(['TLSServerName', 'SuccessBeforePassing']);
      expect(dropped).to.have.length(2);
      for (const c of body.Checks) expect(c).to.not.have.any.keys('TLSServerName', 'SuccessBeforePassing');
    });
  });
});
