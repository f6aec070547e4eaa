// The reconciler against an in-memory agent and an in-memory Docker: ownership, change detection,
// refusals, two containers asking for one ID, agent state loss and the deregistration rules, in
// milliseconds. The same behaviour on real daemons is in test/integration/.
import { expect } from 'chai';
import pino from 'pino';
import { capabilitiesOf } from '../../../src/consul/capabilities.js';
import type { ContainerFacts } from '../../../src/model/facts.js';
import { Reconciler, type DeregisterMode } from '../../../src/reconcile/reconciler.js';
import { MemoryAgent } from '../../support/memory-agent.js';
import { facts, options } from '../support/fixtures.js';
import { MemoryDocker, type LogRecord } from '../support/memory-docker.js';

const HOST = 'host1';
const QUICK = { retries: 1, minMs: 1, maxMs: 1 };

function setUp(deregister: DeregisterMode = 'always', replaceRegistrator = false) {
  const agent = new MemoryAgent();
  const docker = new MemoryDocker();
  const logs: LogRecord[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line) as LogRecord) });
  const reconciler = new Reconciler({
    docker,
    consul: agent,
    options: {
      model: options({ hostId: HOST }),
      deregister,
      capabilities: capabilitiesOf([1, 8, 7]),
      concurrency: 4,
      writeRetry: QUICK,
      replaceRegistrator,
      // A connect's wait, shortened: the rules themselves are in event-rules.test.ts with a fake clock.
      networkSettleMs: 50,
    },
    logger: log,
  });
  /** A running container on a user network exposing 6379, with these labels. */
  const run = (id: string, labels: Record<string, string> = {}): ContainerFacts => {
    const c: ContainerFacts = { ...facts('user-network'), id: id.padEnd(64, '0'), name: id, labels, env: {} };
    docker.containers.set(c.id, c);
    return c;
  };
  // The codes logged as warnings for this container.
  const findings = (container: string) =>
    logs.filter((l) => l.level === 40 && l.event === 'finding' && l.container === container).map((l) => l.code as string);
  return { agent, docker, reconciler, run, findings, logs };
}

describe('reconcile/reconciler with an in-memory agent', () => {
  it('registers a running container with its ownership Meta, and a second sync writes nothing', async () => {
    const { agent, reconciler, run } = setUp();
    const c = run('web', { SERVICE_NAME: 'web', SERVICE_CHECK_TCP: 'true' });
    await reconciler.syncContainer(c.id);
    const reg = agent.services.get(`${HOST}:web:6379`)!;
    expect(reg).to.deep.include({ Name: 'web', Address: '10.201.1.2', Port: 6379 });
    expect(reg.Meta).to.include({ registrar_host: HOST, registrar_container: c.id });
    expect(reg.Meta.registrar_hash).to.match(/^[0-9a-f]{16}$/);
    const writes = agent.writes.length;
    await reconciler.syncContainer(c.id);
    await reconciler.fullSync();
    expect(agent.writes).to.have.length(writes);
  });

  it('re-registers when a label changes, keeping the status of the checks it still has', async () => {
    const { agent, docker, reconciler, run } = setUp();
    const c = run('web', { SERVICE_NAME: 'web', SERVICE_CHECK_TCP: 'true' });
    await reconciler.syncContainer(c.id);
    const tcp = `service:${HOST}:web:6379:tcp`;
    agent.checkStatus.set(tcp, 'passing');
    docker.containers.set(c.id, { ...c, labels: { ...c.labels, SERVICE_TAGS: 'blue' } });
    await reconciler.syncContainer(c.id);
    expect(agent.services.get(`${HOST}:web:6379`)!.Tags).to.deep.equal(['blue']);
    expect(agent.checkStatus.get(tcp)).to.equal('passing');
  });

  it('deregisters the services of a container that stopped or is gone, and nothing foreign', async () => {
    const { agent, docker, reconciler, run } = setUp();
    const c = run('web', { SERVICE_NAME: 'web' });
    await reconciler.syncContainer(c.id);
    agent.foreign('payments-1');
    agent.foreign('other-host:web:6379', { registrar_host: 'host2', registrar_container: c.id });
    docker.containers.delete(c.id);
    await reconciler.fullSync();
    expect([...agent.services.keys()].sort()).to.deep.equal(['other-host:web:6379', 'payments-1']);
  });

  it('never overwrites a foreign service that has the ID a label asks for, warns once, and never removes it', async () => {
    const { agent, docker, reconciler, run, findings } = setUp();
    agent.foreign('payments-1', { team: 'payments' });
    const c = run('thief', { SERVICE_ID: 'payments-1' });
    await reconciler.syncContainer(c.id);
    await reconciler.fullSync();
    expect(agent.services.get('payments-1')!.Meta).to.deep.equal({ team: 'payments' });
    expect(agent.writes).to.deep.equal([]);
    expect(findings('thief')).to.have.length(1);
    expect(findings('thief')).to.deep.equal(['foreign-id']);
    docker.containers.delete(c.id);
    await reconciler.fullSync();
    expect(agent.services.has('payments-1')).to.equal(true);
  });

  it("treats the registrar's own service and another host ID's services as foreign", async () => {
    const { agent, reconciler, run } = setUp();
    agent.foreign('shared-id', { registrar_host: 'host2', registrar_container: 'x' });
    const c = run('c1', { SERVICE_ID: 'shared-id' });
    await reconciler.syncContainer(c.id);
    expect(agent.services.get('shared-id')!.Meta.registrar_host).to.equal('host2');
  });

  it('leaves an ID with a running container of this host that holds it, and takes it over from a container that is gone', async () => {
    const { agent, docker, reconciler, run } = setUp();
    const holder = run('holder', { SERVICE_ID: 'db' });
    await reconciler.syncContainer(holder.id);
    // A second registrar process (a restart) has no memory of claims: only the agent's Meta and Docker.
    const fresh = new Reconciler({
      docker,
      consul: agent,
      options: { model: options({ hostId: HOST }), deregister: 'always', capabilities: capabilitiesOf([1, 8, 7]), concurrency: 4 },
      logger: pino({ level: 'silent' }),
    });
    const other = run('other', { SERVICE_ID: 'db' });
    await fresh.syncContainer(other.id);
    expect(agent.services.get('db')!.Meta.registrar_container).to.equal(holder.id);
    docker.containers.delete(holder.id);
    await fresh.syncContainer(other.id);
    expect(agent.services.get('db')!.Meta.registrar_container).to.equal(other.id);
  });

  it('gives an ID two containers ask for to the first, with a warning for the second, until the first lets go', async () => {
    const { agent, docker, reconciler, run, findings } = setUp();
    const a = run('a', { SERVICE_ID: 'db' });
    const b = run('b', { SERVICE_ID: 'db' });
    await reconciler.syncContainer(a.id);
    await reconciler.syncContainer(b.id);
    expect(agent.services.get('db')!.Meta.registrar_container).to.equal(a.id);
    expect(findings('b')).to.include('service-id-claimed');
    docker.containers.delete(a.id);
    await reconciler.syncContainer(a.id);
    await reconciler.syncContainer(b.id);
    expect(agent.services.get('db')!.Meta.registrar_container).to.equal(b.id);
  });

  it('registers everything again after the agent lost its state', async () => {
    const { agent, reconciler, run } = setUp();
    for (const name of ['a', 'b', 'c']) run(name, { SERVICE_NAME: name });
    await reconciler.fullSync();
    agent.loseState();
    const summary = await reconciler.fullSync();
    expect(summary).to.include({ containers: 3, failed: 0 });
    expect([...agent.services.keys()].sort()).to.deep.equal(['a', 'b', 'c'].map((n) => `${HOST}:${n}:6379`));
  });

  it('reports a refusal once, registers the other containers, and retries it on every pass', async () => {
    const { agent, reconciler, run, logs } = setUp();
    agent.refuse = (reg) => (reg.Name.startsWith('secret') ? 403 : undefined);
    run('ok', { SERVICE_NAME: 'ok' });
    run('no', { SERVICE_NAME: 'secret' });
    for (let i = 0; i < 3; i++) expect(await reconciler.fullSync()).to.include({ failed: 1 });
    expect(agent.services.has(`${HOST}:ok:6379`)).to.equal(true);
    const errors = logs.filter((l) => l.level === 50);
    expect(errors).to.have.length(1);
    expect(errors[0]).to.include({ event: 'refused', container: 'no' });
  });

  it('leaves out check fields the agent does not accept instead of being refused', async () => {
    const { agent, reconciler, run, logs } = setUp();
    const c = run('web', { SERVICE_NAME: 'web', SERVICE_CHECK_HTTP: '/health' });
    await reconciler.syncContainer(c.id);
    const check = agent.services.get(`${HOST}:web:6379`)!.Checks[0]!;
    expect(check.HTTP).to.equal('http://10.201.1.2:6379/health');
    expect(check).to.not.have.property('DisableRedirects');
    expect(logs.some((l) => l.field === 'DisableRedirects')).to.equal(true);
  });

  it('keeps the services of a container that exited non-zero with --deregister on-success', async () => {
    const { agent, docker, reconciler, run } = setUp('on-success');
    const c = run('job', { SERVICE_NAME: 'job' });
    await reconciler.syncContainer(c.id);
    docker.containers.set(c.id, { ...c, running: false, exitCode: 3 });
    await reconciler.syncContainer(c.id, { stopped: { name: 'job', exitCode: 3, removed: false } });
    expect(agent.services.has(`${HOST}:job:6379`)).to.equal(true);
    await reconciler.syncContainer(c.id, { stopped: { name: 'job', exitCode: 3, removed: true } });
    expect(agent.services.has(`${HOST}:job:6379`)).to.equal(false);
  });

  it('hands a left-over ID that Consul cannot deregister to its reaper, without our Meta', async () => {
    const { agent, reconciler, logs } = setUp();
    agent.foreign('/old', { registrar_host: HOST, registrar_container: 'f'.repeat(64) });
    await reconciler.fullSync();
    const left = agent.services.get('/old')!;
    expect(left.Meta).to.deep.equal({});
    expect(left.Checks[0]).to.include({ TTL: '1s', Status: 'critical', DeregisterCriticalServiceAfter: '1m' });
    expect(agent.writes).to.deep.equal(['register /old']);
    await reconciler.fullSync();
    expect(logs.filter((l) => l.serviceId === '/old')).to.have.length(1);
  });
});

describe("reconcile/reconciler: another container's default ID", () => {
  const VICTIM_ID = `${HOST}:payments:6379`;

  it('registers the owner of a default ID under it when a container that asks for it started first, and the asker under its own', async () => {
    const { agent, docker, reconciler, run, findings } = setUp();
    const evil = run('evil', { SERVICE_ID: VICTIM_ID });
    await reconciler.syncContainer(evil.id, { seen: { name: 'evil', labels: evil.labels } });
    const victim = run('payments');
    await reconciler.syncContainer(victim.id, { seen: { name: 'payments', labels: {} } });
    expect(agent.services.get(VICTIM_ID)!.Meta.registrar_container).to.equal(victim.id);
    expect(agent.services.get(`${HOST}:evil:6379`)!.Meta.registrar_container).to.equal(evil.id);
    expect(findings('evil')).to.have.length(1);
    expect(findings('evil')).to.deep.equal(['service-id-reserved']);
    expect(findings('payments')).to.deep.equal([]);
    // The owner restarts: the ID is its own again, whatever the order of the syncs.
    docker.containers.set(victim.id, { ...victim, running: false });
    await reconciler.syncContainer(victim.id, { stopped: { name: 'payments', exitCode: 0, removed: false } });
    expect(agent.services.has(VICTIM_ID)).to.equal(false);
    await reconciler.fullSync();
    docker.containers.set(victim.id, victim);
    await reconciler.syncContainer(victim.id, { seen: { name: 'payments', labels: {} } });
    expect(agent.services.get(VICTIM_ID)!.Meta.registrar_container).to.equal(victim.id);
    expect(findings('evil')).to.have.length(1);
  });

  for (const order of ['owner first', 'holder first', 'full pass'] as const) {
    it(`takes back a default ID that another running container holds under our Meta (an earlier version's), ${order}`, async () => {
      const { agent, reconciler, run, logs } = setUp();
      const evil = run('evil', { SERVICE_ID: VICTIM_ID });
      const victim = run('payments');
      // As an earlier version left it: the ID registered for evil, evil still running.
      agent.foreign(VICTIM_ID, { registrar_host: HOST, registrar_container: evil.id });
      if (order === 'full pass') await reconciler.fullSync();
      else {
        const [first, second] = order === 'owner first' ? [victim, evil] : [evil, victim];
        await reconciler.syncContainer(first.id);
        await reconciler.syncContainer(second.id);
      }
      expect(agent.services.get(VICTIM_ID)!.Meta.registrar_container).to.equal(victim.id);
      expect(agent.services.get(VICTIM_ID)!.Address).to.equal('10.201.1.2');
      expect(agent.services.get(`${HOST}:evil:6379`)!.Meta.registrar_container).to.equal(evil.id);
      const takenBack = logs.filter((l) => l.event === 'default-id-taken-back');
      expect(takenBack.length).to.be.at.most(1);
      if (order === 'owner first')
        expect(takenBack[0]).to.include({ container: 'payments', squatter: 'evil', squatterId: evil.id, serviceId: VICTIM_ID });
      await reconciler.fullSync();
      expect(agent.services.get(VICTIM_ID)!.Meta.registrar_container).to.equal(victim.id);
    });
  }
});

describe('reconcile/reconciler: IDs that differ only in case', () => {
  it("refuses an ID that is a foreign service's in another case (Consul's catalog would merge them)", async () => {
    const agent = new MemoryAgent();
    const docker = new MemoryDocker();
    const logs: LogRecord[] = [];
    const reconciler = new Reconciler({
      docker,
      consul: agent,
      options: { model: options({ hostId: HOST }), deregister: 'always', capabilities: capabilitiesOf([1, 8, 7]), concurrency: 4 },
      logger: pino({ level: 'warn' }, { write: (line: string) => logs.push(JSON.parse(line) as LogRecord) }),
    });
    agent.foreign('payments-1');
    const c: ContainerFacts = {
      ...facts('user-network'),
      id: 'c'.repeat(64),
      name: 'thief',
      labels: { SERVICE_ID: 'Payments-1' },
      env: {},
    };
    docker.containers.set(c.id, c);
    await reconciler.syncContainer(c.id);
    expect(agent.writes).to.deep.equal([]);
    expect(logs.filter((l) => l.event === 'finding' && l.container === 'thief').map((l) => l.code)).to.deep.equal(['foreign-id']);
  });
});

describe('reconcile/reconciler: problems of the whole host', () => {
  for (const [what, answer] of [
    ['a revoked token (403 ACL not found)', { status: 403, body: 'ACL not found' }],
    ['rate limiting (429)', { status: 429, body: 'rate limit exceeded' }],
    ['a failing agent (500)', { status: 500, body: 'rpc error' }],
  ] as const) {
    it(`says ${what} once for the host, not once per container and pass, and says when it is over`, async () => {
      const { agent, reconciler, run, logs } = setUp();
      for (const name of ['a', 'b', 'c']) run(name, { SERVICE_NAME: name });
      agent.refuse = () => answer;
      for (let i = 0; i < 3; i++) expect(await reconciler.fullSync()).to.include({ failed: 3 });
      const lines = logs.filter((l) => l.level >= 40);
      expect(lines, JSON.stringify(lines.map((l) => l.msg))).to.have.length(1);
      expect(lines[0]!.hostWide).to.equal(true);
      expect(lines[0]).to.include({ event: 'consul-problem' }).and.not.have.property('containerId');
      expect(reconciler.consulProblem).to.be.a('string');
      agent.refuse = undefined;
      expect(await reconciler.fullSync()).to.include({ failed: 0 });
      expect(reconciler.consulProblem).to.equal(undefined);
      expect(agent.services.size).to.equal(3);
    });
  }
});

describe('reconcile/reconciler: the guard asks while Docker is asked', () => {
  it('after a start event, asks Consul once, in parallel with the inspect, and still refuses a foreign ID', async () => {
    const { agent, reconciler, run, findings } = setUp();
    agent.foreign('payments-1');
    const c = run('thief', { SERVICE_6379_ID: 'payments-1' });
    await reconciler.syncContainer(c.id, { seen: { name: 'thief', labels: c.labels } });
    expect(agent.reads, 'one look-ahead, no question after the inspect').to.equal(1);
    expect(agent.writes).to.deep.equal([]);
    expect(findings('thief')).to.include('foreign-id');
  });

  it('asks again after the inspect for an ID the start event could not foresee (a SERVICE_ID from image ENV)', async () => {
    const { agent, docker, reconciler, run, findings } = setUp();
    agent.foreign('from-env');
    const c = run('envy');
    docker.containers.set(c.id, { ...c, env: { SERVICE_ID: 'from-env' } });
    await reconciler.syncContainer(c.id, { seen: { name: 'envy', labels: {} } });
    expect(agent.reads).to.equal(2);
    expect(agent.services.get('from-env')!.Meta).to.deep.equal({});
    expect(findings('envy')).to.include('foreign-id');
  });
});

describe('reconcile/reconciler: a full pass is not held by one container', () => {
  it('goes on without a container whose inspect hangs, counts it failed, and ends in time', async () => {
    const agent = new MemoryAgent();
    const docker = new MemoryDocker();
    const reconciler = new Reconciler({
      docker: {
        inspect: (id) => (id.startsWith('stuck') ? new Promise(() => undefined) : docker.inspect(id)),
        runningIds: () => docker.runningIds(),
      },
      consul: agent,
      options: {
        model: options({ hostId: HOST }),
        deregister: 'always',
        capabilities: capabilitiesOf([1, 8, 7]),
        concurrency: 2,
        containerDeadlineMs: 50,
      },
      logger: pino({ level: 'silent' }),
    });
    for (const name of ['stuck', 'a', 'b', 'c']) {
      const c: ContainerFacts = { ...facts('user-network'), id: name.padEnd(64, '0'), name, labels: { SERVICE_NAME: name }, env: {} };
      docker.containers.set(c.id, c);
    }
    const started = performance.now();
    const summary = await reconciler.fullSync();
    expect(performance.now() - started).to.be.below(1000);
    expect(summary).to.include({ containers: 4, failed: 1 });
    expect([...agent.services.keys()].sort()).to.deep.equal(['a', 'b', 'c'].map((n) => `${HOST}:${n}:6379`));
  });
});

describe('reconcile/reconciler: --replace-registrator', () => {
  /** What Registrator's Consul backend writes for a container with -internal: no Meta, its ID scheme. */
  const registrators = (agent: MemoryAgent, id: string, address = '10.201.1.2', port = 6379) =>
    agent.register({ ID: id, Name: 'web', Tags: [], Address: address, Port: port, Meta: {}, Checks: [] });

  it("registers the container first, then removes Registrator's entry of it; another host's, another container's and another tool's stay", async () => {
    const { agent, reconciler, run, logs } = setUp('always', true);
    await registrators(agent, 'a1b2c3d4e5f6:web:6379'); // Registrator in a container: its hostname is its ID
    await registrators(agent, 'other-host:web:6379', '10.201.2.7'); // the same name on another host
    await registrators(agent, 'a1b2c3d4e5f6:webapp:6379'); // a similar ID of another container
    await agent.register({
      ID: 'tool:web:6379',
      Name: 'web',
      Tags: [],
      Address: '10.201.1.2',
      Port: 6379,
      Meta: { by: 'nomad' },
      Checks: [],
    });
    const order: string[] = [];
    const write = agent.register.bind(agent);
    agent.register = async (reg) => (order.push(`register ${reg.ID}`), write(reg));
    const remove = agent.deregister.bind(agent);
    agent.deregister = async (id) => (order.push(`deregister ${id}`), remove(id));
    const c = run('web', { SERVICE_NAME: 'web' });
    await reconciler.syncContainer(c.id);
    expect(order).to.deep.equal([`register ${HOST}:web:6379`, 'deregister a1b2c3d4e5f6:web:6379']);
    expect([...agent.services.keys()].sort()).to.deep.equal(
      [`${HOST}:web:6379`, 'a1b2c3d4e5f6:webapp:6379', 'other-host:web:6379', 'tool:web:6379'].sort(),
    );
    expect(logs.filter((l) => l.event === 'replaced-registrator').map((l) => l.serviceId)).to.deep.equal(['a1b2c3d4e5f6:web:6379']);
  });

  it("does the same in a full pass, and leaves Registrator's entry of a port it does not register", async () => {
    const { agent, reconciler, run } = setUp('always', true);
    await registrators(agent, 'reg:web:6379');
    run('web', { SERVICE_NAME: 'web', SERVICE_IGNORE: 'true' });
    await reconciler.fullSync();
    expect([...agent.services.keys()]).to.deep.equal(['reg:web:6379']);
  });

  it('adopts an entry under our own ID in place with the flag, and without it refuses with the fix', async () => {
    for (const replace of [true, false]) {
      const { agent, reconciler, run, findings } = setUp('always', replace);
      await registrators(agent, `${HOST}:web:6379`);
      const c = run('web', { SERVICE_NAME: 'web' });
      await reconciler.syncContainer(c.id);
      const meta = agent.services.get(`${HOST}:web:6379`)!.Meta;
      if (replace) expect(meta.registrar_container).to.equal(c.id);
      else {
        expect(meta).to.deep.equal({});
        expect(findings('web')).to.include('registrator-id');
      }
    }
  });
});

describe('reconcile/reconciler: adopting in place without a DNS gap', () => {
  const registratorWithCheck = (agent: MemoryAgent, status: 'passing' | 'critical') =>
    agent.register({
      ID: `${HOST}:web:6379`,
      Name: 'web',
      Tags: [],
      Address: '10.201.1.2',
      Port: 6379,
      Meta: {},
      Checks: [{ CheckID: `service:${HOST}:web:6379`, Name: 'tcp', TCP: '10.201.1.2:6379', Interval: '15s', Status: status }],
    });

  it("starts the adopted service's checks passing when Registrator's answered, critical when it did not", async () => {
    for (const before of ['passing', 'critical'] as const) {
      const { agent, reconciler, run } = setUp('always', true);
      await registratorWithCheck(agent, before);
      const c = run('web', { SERVICE_NAME: 'web', SERVICE_CHECK_TCP: 'true', SERVICE_CHECK_HTTP: '/health' });
      await reconciler.syncContainer(c.id);
      const reg = agent.services.get(`${HOST}:web:6379`)!;
      expect(reg.Meta.registrar_container).to.equal(c.id);
      expect(reg.Checks.length, before).to.be.above(0);
      expect(
        reg.Checks.map((check) => check.Status),
        before,
      ).to.deep.equal(reg.Checks.map(() => (before === 'passing' ? 'passing' : undefined)));
      expect(await agent.answersInDns(`${HOST}:web:6379`), before).to.equal(before === 'passing');
    }
  });

  it('writes nothing more at the next sync: the initial status is not part of what is compared', async () => {
    const { agent, reconciler, run } = setUp('always', true);
    await registratorWithCheck(agent, 'passing');
    const c = run('web', { SERVICE_NAME: 'web', SERVICE_CHECK_TCP: 'true' });
    await reconciler.syncContainer(c.id);
    const writes = agent.writes.length;
    await reconciler.syncContainer(c.id);
    await reconciler.fullSync();
    expect(agent.writes).to.have.length(writes);
  });
});

describe('reconcile/reconciler: network events', () => {
  it('skips a disconnect of a container that owns nothing (it follows every die)', async () => {
    const { agent, docker, reconciler } = setUp();
    await reconciler.syncContainer('gone'.padEnd(64, '0'), { network: 'disconnect' });
    expect(docker.inspects).to.equal(0);
    expect(agent.writes).to.deep.equal([]);
  });

  it("drops a connect's own sync when a start's sync begins within the settle time, and runs it otherwise", async () => {
    const { agent, docker, reconciler, run } = setUp();
    const c = run('web', { SERVICE_NAME: 'web' });
    const connect = reconciler.syncContainer(c.id, { network: 'connect' });
    await reconciler.syncContainer(c.id, { seen: { name: 'web', labels: {} } });
    await connect;
    expect(docker.inspects, 'the start only').to.equal(1);
    expect(agent.services.has(`${HOST}:web:6379`)).to.equal(true);
    // A network connected to a running container with nothing else happening: synced after the wait.
    await reconciler.syncContainer(c.id, { network: 'connect' });
    expect(docker.inspects).to.equal(2);
  });
});
