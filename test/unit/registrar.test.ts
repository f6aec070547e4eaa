// The whole registrar, wired as the daemon wires it, over an in-memory agent and engine: events
// reaching the reconciler, a health event re-running the HEALTHCHECK mirror, an agent that lost its
// state, and the stop order, each in milliseconds. The same on real daemons: test/integration/.
import { expect } from 'chai';
import pino from 'pino';
import { readConfig, toSettings, type Settings } from '../../src/config.js';
import { capabilitiesOf } from '../../src/consul/capabilities.js';
import { containerSource } from '../../src/docker/inspect.js';
import type { EngineProfile } from '../../src/docker/engine.js';
import { Registrar } from '../../src/registrar.js';
import type { RunContext } from '../../src/run-context.js';
import { StatusServer, type StatusSources } from '../../src/status/server.js';
import { MemoryAgent } from '../support/memory-agent.js';
import { MemoryEngine } from '../support/memory-engine.js';
import { options } from './support/fixtures.js';

interface LogRecord {
  level: number;
  msg: string;
  [key: string]: unknown;
}

const HOST = 'host1';
const HEARTBEAT = `consul-registrar:${HOST}`;
const DOCKER: EngineProfile = { name: 'docker' };

/** Resolves once `ready` says so, polling every few ms; fails the test after `withinMs`. */
async function until(what: string, ready: () => boolean, withinMs = 1_000): Promise<number> {
  const start = performance.now();
  while (!ready()) {
    if (performance.now() - start > withinMs) throw new Error(`not within ${withinMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return performance.now() - start;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A status server that serves nothing, and records what had stopped when its own stop came. */
class WitnessStatus extends StatusServer {
  seen: { streamsOpen: number; jobs: number } | undefined;
  constructor(
    private readonly look: () => { streamsOpen: number; jobs: number },
    private readonly fail: boolean,
  ) {
    super(undefined, { metrics: () => '', health: () => Promise.resolve({ ok: false }) }, pino({ level: 'silent' }));
  }
  /** What the registrar serves /healthz and /metrics from. */
  served: StatusSources | undefined;
  override serve(sources: StatusSources): void {
    this.served = sources;
  }
  override stop(): void {
    this.seen = this.look();
    if (this.fail) throw new Error('the status server would not close');
  }
}

interface SetUp {
  /** The engine's profile (dockerd's unless given), made for the in-memory engine. */
  profile?: (engine: MemoryEngine) => EngineProfile;
  ttl?: boolean;
  failingStatus?: boolean;
  settings?: Partial<Settings>;
  /** Runs on the engine before the registrar starts. */
  before?: (engine: MemoryEngine) => void;
}

/** A real Registrar over an in-memory agent and engine, with timings of milliseconds; started, first pass done. */
async function started(setUp: SetUp = {}) {
  const agent = new MemoryAgent();
  const engine = new MemoryEngine();
  setUp.before?.(engine);
  const logs: LogRecord[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line) as LogRecord) });
  const settings: Settings = {
    ...toSettings(readConfig(['--resync', '0'], {}).values),
    agentPollSeconds: 0.01,
    eventsAuditSeconds: 0,
    ...setUp.settings,
  };
  const ttl = setUp.ttl ? { ttlMs: 1_000, refreshMs: 10, serviceId: HEARTBEAT } : undefined;
  const context: RunContext = {
    docker: engine,
    dockerStreams: engine,
    consul: agent,
    source: containerSource(engine),
    proxies: engine,
    model: options({ hostId: HOST, ...(ttl ? { registrarServiceId: ttl.serviceId } : {}) }),
    capabilities: capabilitiesOf([1, 8, 7]),
    profile: setUp.profile?.(engine) ?? DOCKER,
    consulNodeId: agent.nodeId,
    ...(ttl ? { ttl } : {}),
  };
  const status: WitnessStatus = new WitnessStatus(
    () => ({ streamsOpen: engine.streamsOpen, jobs: registrar.scheduler.size }),
    setUp.failingStatus ?? false,
  );
  const registrar: Registrar = new Registrar(context, settings, log, status);
  const running = registrar.start();
  await until('the event stream is open', () => engine.streamsOpen === 1);
  await registrar.fullPass();
  return { agent, engine, registrar, running, status, logs };
}

describe('registrar wired over an in-memory agent and engine', () => {
  const stops: (() => Promise<void>)[] = [];
  const start = async (setUp?: SetUp) => {
    const r = await started(setUp);
    stops.push(() => r.registrar.stop());
    return r;
  };
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });

  it('registers a started container under its own IP and port on its start event, and deregisters it on its die', async () => {
    const { agent, engine } = await start();
    const id = engine.create('user-network', { name: 'web', labels: { SERVICE_NAME: 'web' } });
    engine.start(id);
    await until('registered', () => agent.services.has(`${HOST}:web:6379`));
    const reg = agent.services.get(`${HOST}:web:6379`)!;
    expect(reg).to.deep.include({ Name: 'web', Address: '10.201.1.11', Port: 6379 });
    expect(reg.Meta).to.include({ registrar_host: HOST, registrar_container: id });
    engine.stop(id, 137);
    await until('deregistered', () => !agent.services.has(`${HOST}:web:6379`));
    expect(agent.writes).to.deep.equal([`register ${HOST}:web:6379`, `deregister ${HOST}:web:6379`]);
  });

  it('registers in its first pass what was running before it started', async () => {
    const { agent } = await start({
      before: (engine) => engine.start(engine.create('user-network', { name: 'early', labels: { SERVICE_NAME: 'early' } })),
    });
    const [reg] = [...agent.services.values()];
    expect(reg).to.deep.include({ Name: 'early', Address: '10.201.1.11' });
    expect(agent.services.size).to.equal(1);
  });

  it('after the agent restarts as a new node without its state, registers its own service again and then every container', async () => {
    const { agent, engine } = await start({ ttl: true });
    const ids = ['a', 'b', 'c'].map((name) => engine.create('user-network', { name, labels: { SERVICE_NAME: name } }));
    for (const id of ids) engine.start(id);
    await until('all registered', () => agent.services.size === 4);
    expect(agent.services.get(`${HOST}:a:6379`)!.Checks.map((c) => c.AliasService)).to.include(HEARTBEAT);
    const before = agent.writes.length;
    agent.loseState();
    const ms = await until('all back', () => agent.services.size === 4);
    // The heartbeat's own service first: the alias checks of the others follow it.
    expect(agent.writes.slice(before)[0]).to.equal(`register ${HEARTBEAT}`);
    expect(agent.services.get(`${HOST}:b:6379`)).to.deep.include({ Address: '10.201.1.12', Port: 6379 });
    expect(ms).to.be.below(500);
  });

  it('after the agent loses its state as the same node, the heartbeat notices at its next refresh and a pass registers everything', async () => {
    const { agent, engine } = await start({ ttl: true });
    engine.start(engine.create('user-network', { name: 'web', labels: { SERVICE_NAME: 'web' } }));
    await until('registered', () => agent.services.size === 2);
    const polls = agent.selfCalls;
    agent.loseState(true);
    const ms = await until('all back', () => agent.services.size === 2);
    expect(agent.services.get(`${HOST}:web:6379`)).to.deep.include({ Address: '10.201.1.11', Port: 6379 });
    expect(agent.selfCalls, 'the agent watch polled and saw the same node').to.be.above(polls);
    const refreshes = agent.ttlUpdates.length;
    await until('refreshed again', () => agent.ttlUpdates.length > refreshes);
    expect(agent.ttlUpdates.at(-1)).to.deep.include({ checkId: `service:${HEARTBEAT}:ttl`, status: 'passing' });
    expect(ms).to.be.below(500);
  });

  it('re-runs the HEALTHCHECK mirror at once on a health_status event, between its runs', async () => {
    const { agent, engine } = await start();
    // A day between the mirror's own runs: only the event can make one within the test.
    const id = engine.create('user-network', { name: 'api', labels: { SERVICE_NAME: 'api' }, healthIntervalMs: 86_400_000 });
    engine.start(id);
    const check = `service:${HOST}:api:6379:docker-health`;
    await until('registered with its mirror', () => agent.checkStatus.has(check));
    expect(agent.checkStatus.get(check)).to.equal('critical');
    engine.probed(id, 'healthy', 'all good');
    await until('mirror passing', () => agent.checkStatus.get(check) === 'passing', 500);
    expect(agent.ttlUpdates.filter((u) => u.checkId === check).at(-1)).to.deep.equal({
      checkId: check,
      status: 'passing',
      output: 'all good',
    });
  });

  it("on Podman's profile, a health event's mirror run first runs a HEALTHCHECK the engine left overdue", async () => {
    const ran: string[] = [];
    const podman = (engine: MemoryEngine): EngineProfile => ({
      name: 'podman',
      auditOff: 'no audit on this engine',
      runHealthcheck: async (containerId) => {
        ran.push(containerId);
        engine.probed(containerId, 'healthy', 'probed by the registrar');
      },
    });
    const r = await start({ profile: podman, settings: { eventsAuditSeconds: 60 } });
    const engine = r.engine;
    expect(r.logs.some((l) => l.event === 'events-audit-off')).to.equal(true);
    const id = engine.create('user-network', { name: 'pod', labels: { SERVICE_NAME: 'pod' }, healthIntervalMs: 86_400_000 });
    engine.start(id);
    const check = `service:${HOST}:pod:6379:docker-health`;
    await until('registered with its mirror', () => r.agent.checkStatus.has(check));
    // Started two days ago and never probed: overdue by its own interval, so the mirror's run probes first.
    engine.edit(id, (info) => (info.State.StartedAt = new Date(Date.now() - 2 * 86_400_000).toISOString()));
    engine.event(id, 'health_status: starting');
    await until('mirror passing', () => r.agent.checkStatus.get(check) === 'passing', 500);
    expect(ran).to.include(id);
  });

  it('serves /healthz and /metrics from its running parts: not ok while the agent does not answer', async () => {
    const { agent, engine, status } = await start();
    engine.start(engine.create('user-network', { name: 'web', labels: { SERVICE_NAME: 'web' } }));
    await until('registered', () => agent.services.size === 1);
    expect(await status.served!.health()).to.deep.include({ ok: true, docker: true, consul: true });
    expect(status.served!.metrics()).to.match(/^registrar_docker_events_total 1$/m);
    agent.unreachable = true;
    await until('noticed', () => /^registrar_dependency_up\{dependency="consul"\} 0$/m.test(status.served!.metrics()));
    expect(await status.served!.health()).to.deep.include({ ok: false, consul: false });
  });

  it('stops every part in reverse start order, and one failing stop() leaves none of the others running', async () => {
    const { agent, engine, registrar, running, status, logs } = await start({ ttl: true, failingStatus: true });
    const id = engine.create('user-network', { name: 'api', labels: { SERVICE_NAME: 'api' }, healthIntervalMs: 86_400_000 });
    engine.start(id);
    await until('mirror registered', () => registrar.scheduler.size === 1);
    stops.pop();
    await registrar.stop();
    await running; // start() resolves once stop() has stopped everything
    // Stopped after the event watcher (its stream closed) and the check scheduler (its jobs gone).
    expect(status.seen).to.deep.equal({ streamsOpen: 0, jobs: 0 });
    expect(logs.filter((l) => l.event === 'stop-failed').map((l) => l.part)).to.deep.equal(['WitnessStatus']);
    // Started before the status server, so stopped after it: the heartbeat and the agent watch poll no more.
    const [polls, refreshes] = [agent.selfCalls, agent.ttlUpdates.length];
    await pause(60);
    expect([agent.selfCalls, agent.ttlUpdates.length]).to.deep.equal([polls, refreshes]);
    expect(engine.streamsOpened).to.equal(1);
  });

  it('with --deregister-on-exit, removes its services and its own after stopping', async () => {
    const { agent, engine, registrar } = await start({ ttl: true, settings: { deregisterOnExit: true } });
    const id = engine.create('user-network', { name: 'web', labels: { SERVICE_NAME: 'web' } });
    engine.start(id);
    await until('registered', () => agent.services.size === 2);
    agent.foreign('foreign-web', { registrar_host: 'someone-else', registrar_container: 'x' });
    stops.pop();
    await registrar.stop();
    expect([...agent.services.keys()]).to.deep.equal(['foreign-web']);
  });
});
