// The ownership guard as a table: one container's wanted registrations against what the agent has,
// and who runs. Asserts the IDs written, adopted and refused, and the refusals' codes.
import { expect } from 'chai';
import type { Registration } from '../../../src/model/registration.js';
import { guardOwnership, type GuardInput } from '../../../src/reconcile/ownership-guard.js';
import type { AgentService } from '../../../src/reconcile/service-agent.js';

const HOST = 'host1';
const ME = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);
const MY_IP = '10.0.0.5';

const reg = (ID: string, Port = 80): Registration => ({ ID, Name: 'web', Tags: [], Address: MY_IP, Port, Meta: {}, Checks: [] });
const sidecar = (parent: string): Registration => ({
  ...reg(`${parent}-sidecar-proxy`, 21000),
  Kind: 'connect-proxy',
  Proxy: { DestinationServiceName: 'web', DestinationServiceID: parent, LocalServiceAddress: '127.0.0.1', LocalServicePort: 80 },
});
const service = (id: string, meta: Record<string, string>, address = MY_IP): AgentService => ({ id, name: 'web', address, port: 80, meta });
const ours = (id: string, container: string) => service(id, { registrar_host: HOST, registrar_container: container });
// Registrator writes no Meta, under the container's own address.
const registrators = (id: string) => service(id, {});

interface Case {
  name: string;
  wanted: Registration[];
  agent: AgentService[];
  replace?: boolean;
  running?: [string, string][];
  containerName?: string;
  write: string[];
  refused?: [string, string][];
  sidecars?: string[];
  adopted?: string[];
  takenBack?: string[];
}

const CASES: Case[] = [
  { name: 'nothing on the agent', wanted: [reg('web-1')], agent: [], write: ['web-1'] },
  { name: 'its own service', wanted: [reg('web-1')], agent: [ours('web-1', ME)], write: ['web-1'] },
  {
    name: 'its own under the exact ID, a foreign one in another case',
    wanted: [reg('Web-1')],
    agent: [service('web-1', { team: 'x' }), ours('Web-1', ME)],
    write: ['Web-1'],
  },
  {
    name: 'a foreign service under the same ID',
    wanted: [reg('pay-1'), reg('pay-2', 81)],
    agent: [service('pay-1', { team: 'payments' }, '10.9.9.9')],
    write: ['pay-2'],
    refused: [['pay-1', 'foreign-id']],
  },
  {
    name: 'a foreign service under the ID in another case',
    wanted: [reg('Pay-1')],
    agent: [service('pay-1', { team: 'payments' }, '10.9.9.9')],
    write: [],
    refused: [['Pay-1', 'foreign-id']],
  },
  {
    name: "another host ID's service",
    wanted: [reg('db')],
    agent: [service('db', { registrar_host: 'host2', registrar_container: ME })],
    write: [],
    refused: [['db', 'foreign-id']],
  },
  {
    name: "Registrator's entry under the same ID, without --replace-registrator",
    wanted: [reg(`${HOST}:web:80`)],
    agent: [registrators(`${HOST}:web:80`)],
    write: [],
    refused: [[`${HOST}:web:80`, 'registrator-id']],
  },
  {
    name: "Registrator's entry under the same ID, with --replace-registrator",
    wanted: [reg(`${HOST}:web:80`)],
    agent: [registrators(`${HOST}:web:80`)],
    replace: true,
    write: [`${HOST}:web:80`],
    adopted: [`${HOST}:web:80`],
  },
  {
    name: "a Meta-less service that is not this container's (another address) is foreign even with the flag",
    wanted: [reg(`${HOST}:web:80`)],
    agent: [service(`${HOST}:web:80`, {}, '10.1.1.1')],
    replace: true,
    write: [],
    refused: [[`${HOST}:web:80`, 'foreign-id']],
  },
  {
    name: "Registrator's entry under a different ID, without the flag: not the guard's (ours is written beside it)",
    wanted: [reg(`${HOST}:web:80`)],
    agent: [registrators('3f9a2c81b7d4:web:80')],
    write: [`${HOST}:web:80`],
  },
  {
    name: "Registrator's entry under a different ID, with the flag: not the guard's either (replaced once ours answers)",
    wanted: [reg(`${HOST}:web:80`)],
    agent: [registrators('3f9a2c81b7d4:web:80')],
    replace: true,
    write: [`${HOST}:web:80`],
  },
  {
    name: 'another running container of this registrar holds it',
    wanted: [reg('db')],
    agent: [ours('db', OTHER)],
    running: [[OTHER, 'other']],
    write: [],
    refused: [['db', 'service-id-held']],
  },
  { name: 'a gone container of this registrar held it: taken over', wanted: [reg('db')], agent: [ours('db', OTHER)], write: ['db'] },
  { name: 'held under our host ID without a container: taken over', wanted: [reg('db')], agent: [ours('db', '')], write: ['db'] },
  {
    name: 'its own default ID, held by another running container through a label: taken back',
    wanted: [reg(`${HOST}:web:80`)],
    agent: [ours(`${HOST}:web:80`, OTHER)],
    running: [[OTHER, 'squatter']],
    containerName: 'web',
    write: [`${HOST}:web:80`],
    takenBack: [`${HOST}:web:80`],
  },
  {
    name: 'the sidecar of a refused parent',
    wanted: [reg('pay-1'), sidecar('pay-1'), reg('web-2', 81), sidecar('web-2')],
    agent: [service('pay-1', { team: 'payments' }, '10.9.9.9')],
    write: ['web-2', 'web-2-sidecar-proxy'],
    refused: [['pay-1', 'foreign-id']],
    sidecars: ['pay-1-sidecar-proxy'],
  },
  {
    name: "a sidecar's own ID foreign: the parent stays",
    wanted: [reg('web-2'), sidecar('web-2')],
    agent: [service('web-2-sidecar-proxy', { team: 'x' }, '10.9.9.9')],
    write: ['web-2'],
    refused: [['web-2-sidecar-proxy', 'foreign-id']],
  },
];

describe('reconcile/ownership-guard: guardOwnership', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const input: GuardInput = {
        containerId: ME,
        containerName: c.containerName ?? 'web',
        wanted: c.wanted,
        agent: c.agent,
        hostId: HOST,
        replaceRegistrator: c.replace ?? false,
        isRegistrators: (s) => Object.keys(s.meta).length === 0 && s.address === MY_IP,
        running: new Map(c.running ?? []),
      };
      const decision = guardOwnership(input);
      expect(
        decision.write.map((r) => r.ID),
        'written',
      ).to.deep.equal(c.write);
      expect(
        decision.refused.map((r) => [r.serviceId, r.finding.code]),
        'refused',
      ).to.deep.equal(c.refused ?? []);
      expect(
        decision.sidecars.map((r) => r.serviceId),
        'sidecars left out',
      ).to.deep.equal(c.sidecars ?? []);
      expect(decision.sidecars.every((r) => r.finding.code === 'sidecar-parent-refused')).to.equal(true);
      expect(
        decision.adopted.map((a) => a.serviceId),
        'adopted',
      ).to.deep.equal(c.adopted ?? []);
      expect(
        decision.takenBack.map((t) => t.serviceId),
        'taken back',
      ).to.deep.equal(c.takenBack ?? []);
      for (const r of decision.refused) expect(r.finding.fix, `${r.finding.code} has a fix`).to.be.a('string');
      expect(
        input.wanted.map((r) => r.ID),
        'input untouched',
      ).to.deep.equal(c.wanted.map((r) => r.ID));
    });
  }

  it('names the port of each refusal', () => {
    const decision = guardOwnership({
      containerId: ME,
      wanted: [reg('pay-1', 8080)],
      agent: [service('pay-1', {}, '10.9.9.9')],
      hostId: HOST,
      replaceRegistrator: false,
      isRegistrators: () => false,
      running: new Map(),
    });
    expect(decision.refused[0]!.finding).to.deep.include({ code: 'foreign-id', port: '8080' });
  });
});
