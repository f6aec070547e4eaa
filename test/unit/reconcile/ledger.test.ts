import { expect } from 'chai';
import { finding } from '../../../src/model/finding-codes.js';
import { ContainerLedger } from '../../../src/reconcile/ledger.js';

describe('reconcile/ledger: ContainerLedger', () => {
  it('sums the services on the agent over the containers, and forgets a container at 0', () => {
    const ledger = new ContainerLedger();
    expect(ledger.servicesNow('a', 2)).to.equal(2);
    expect(ledger.servicesNow('b', 3)).to.equal(5);
    expect(ledger.servicesNow('a', 1)).to.equal(4);
    expect(ledger.hasServices('a')).to.equal(true);
    expect(ledger.servicesNow('a', 0)).to.equal(3);
    expect(ledger.hasServices('a')).to.equal(false);
  });

  it('tells whether a container was written after the write counter was read, until its writes are forgotten', () => {
    const ledger = new ContainerLedger();
    ledger.wrote('a');
    const atRead = ledger.writeCount;
    expect(ledger.writtenSince('a', atRead)).to.equal(false);
    ledger.wrote('b');
    expect(ledger.writtenSince('b', atRead)).to.equal(true);
    expect(ledger.writtenSince('a', atRead)).to.equal(false);
    ledger.forgetWrites('b');
    expect(ledger.writtenSince('b', atRead)).to.equal(false);
  });

  it('remembers whether the latest event said stopped, and when the latest sync started', () => {
    const ledger = new ContainerLedger();
    ledger.stopEvent('a', true);
    expect(ledger.lastEventSaidStopped('a')).to.equal(true);
    ledger.stopEvent('a', false);
    expect(ledger.lastEventSaidStopped('a')).to.equal(false);
    expect(ledger.syncStartedAfter('a', 0)).to.equal(false);
    ledger.syncStarted('a', 10);
    expect(ledger.syncStartedAfter('a', 9)).to.equal(true);
    expect(ledger.syncStartedAfter('a', 10)).to.equal(false);
  });

  it('logs a finding once by code, port and label, whatever its wording, and again after it went away', () => {
    const ledger = new ContainerLedger();
    const bad = finding('foreign-id', 'one text', { port: 80 });
    expect(ledger.unloggedFindings('a', [bad])).to.deep.equal([bad]);
    expect(ledger.unloggedFindings('a', [{ ...bad, text: 'another text' }])).to.deep.equal([]);
    expect(ledger.unloggedFindings('a', [{ ...bad, port: '81' }])).to.have.length(1);
    expect(ledger.unloggedFindings('a', [])).to.deep.equal([]);
    expect(ledger.unloggedFindings('a', [bad])).to.have.length(1);
    expect(ledger.unloggedRefusals('a', ['refused'])).to.deep.equal(['refused']);
    expect(ledger.unloggedRefusals('a', ['refused'])).to.deep.equal([]);
  });

  it('forgets gone containers at a prune, with their finding codes, but keeps their services counted', () => {
    const ledger = new ContainerLedger();
    ledger.running('a', 'web');
    ledger.syncStarted('a', 5);
    ledger.stopEvent('a', true);
    ledger.servicesNow('a', 2);
    expect(ledger.findingCodesNow('a', ['foreign-id'])).to.deep.equal(new Map([['foreign-id', 1]]));
    expect(ledger.findingCodesNow('b', ['foreign-id'])).to.deep.equal(new Map([['foreign-id', 2]]));
    expect(ledger.prune(new Set(['b']))).to.deep.equal(new Map([['foreign-id', 1]]));
    expect(ledger.runningName('a')).to.equal(undefined);
    expect(ledger.syncStartedAfter('a', 0)).to.equal(false);
    expect(ledger.lastEventSaidStopped('a')).to.equal(false);
    // The sync that removes its services says so.
    expect(ledger.hasServices('a')).to.equal(true);
    expect(ledger.servicesNow('a', 0)).to.equal(0);
  });
});
