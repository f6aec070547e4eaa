import { expect } from 'chai';
import pino from 'pino';
import { Reaper, reaperRegistration } from '../../../src/reconcile/reaper.js';
import type { Registration } from '../../../src/model/registration.js';

const SERVICE = { id: '/x', name: 'web', address: '10.0.0.2', port: 80, containerId: 'c1', hash: 'h' };

describe('reconcile/reaper', () => {
  it('registers the service again without our Meta and with a check that turns critical and is reaped', () => {
    const reg = reaperRegistration(SERVICE);
    expect(reg).to.deep.include({ ID: '/x', Name: 'web', Address: '10.0.0.2', Port: 80, Meta: {}, Tags: [] });
    expect(reg.Checks).to.have.length(1);
    expect(reg.Checks[0]).to.deep.include({ TTL: '1s', Status: 'critical', DeregisterCriticalServiceAfter: '1m' });
  });

  it('writes it on every sync, and warns once per ID', async () => {
    const sent: Registration[] = [];
    const lines: unknown[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const reaper = new Reaper({ register: async (reg) => void sent.push(reg) }, (_id, call) => call(), log);
    await reaper.hand('c1', SERVICE);
    await reaper.hand('c1', SERVICE);
    expect(sent).to.have.length(2);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include({ serviceId: '/x', containerId: 'c1' });
  });
});
