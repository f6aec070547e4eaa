// The Connect proxy keeper against an in-memory Docker and a clock the test moves: which proxy
// containers it starts, keeps, replaces and removes, what Docker events and full passes make it do,
// and the pause before starting again a proxy that keeps failing.
import { expect } from 'chai';
import pino from 'pino';
import { PROXY_LABELS } from '../../../src/model/connect.js';
import type { ProxyFact } from '../../../src/model/facts.js';
import type { ProxySpec } from '../../../src/model/registration.js';
import { ProxyTokens, type TokenApi } from '../../../src/reconcile/proxy-tokens.js';
import { SidecarProxies, type ProxyEngine } from '../../../src/reconcile/sidecar-proxies.js';
import { TIMINGS } from '../../../src/timings.js';

interface LogRecord {
  level: number;
  msg: string;
  event?: string;
  waitMs?: number;
  [key: string]: unknown;
}

interface ProxyContainer {
  fact: ProxyFact;
  labels: Record<string, string>;
  spec?: ProxySpec;
  secretEnv?: Record<string, string>;
}

/** Docker as the proxy keeper sees it: proxy containers the test can stop or add, and every call made. */
class MemoryEngine implements ProxyEngine {
  readonly containers: ProxyContainer[] = [];
  /** Apps (containers) that are running. */
  readonly running = new Set<string>();
  readonly calls: string[] = [];
  /** Makes the next call of that kind fail. */
  failing?: 'list' | 'run' | 'remove';
  private ids = 0;

  async list(hostId: string, appId?: string): Promise<ProxyFact[]> {
    this.call('list', `list ${appId ?? '*'}`);
    return this.containers
      .filter((c) => c.labels[PROXY_LABELS.host] === hostId && (appId === undefined || c.fact.appId === appId))
      .map((c) => ({ ...c.fact }));
  }

  async run(spec: ProxySpec, labels: Record<string, string>, secretEnv?: Record<string, string>): Promise<void> {
    this.call('run', `run ${spec.sidecarId}`);
    const container = this.add(labels, spec);
    if (secretEnv) container.secretEnv = secretEnv;
  }

  async remove(id: string): Promise<void> {
    this.call('remove', `remove ${id}`);
    const i = this.containers.findIndex((c) => c.fact.id === id);
    if (i >= 0) this.containers.splice(i, 1);
  }

  async runningIds(): Promise<string[]> {
    this.calls.push('runningIds');
    return [...this.running];
  }

  /** A proxy container as Docker has it, with these labels (one started by another registrar too). */
  add(labels: Record<string, string>, spec?: ProxySpec): ProxyContainer {
    const container: ProxyContainer = {
      fact: {
        id: `proxy${++this.ids}`,
        appId: labels[PROXY_LABELS.app] ?? '',
        sidecarId: labels[PROXY_LABELS.sidecar] ?? '',
        fingerprint: labels[PROXY_LABELS.fingerprint] ?? '',
        running: true,
        ...(labels[PROXY_LABELS.tokenAccessor] ? { tokenAccessor: labels[PROXY_LABELS.tokenAccessor] } : {}),
      },
      labels,
      ...(spec ? { spec } : {}),
    };
    this.containers.push(container);
    return container;
  }

  /** The proxy of this sidecar (the test's way to stop or inspect one). */
  of(sidecarId: string): ProxyContainer {
    const container = this.containers.find((c) => c.fact.sidecarId === sidecarId);
    expect(container, `a proxy container of ${sidecarId}`).to.not.equal(undefined);
    return container!;
  }

  /** The calls that changed Docker. */
  get writes(): string[] {
    return this.calls.filter((c) => c.startsWith('run ') || c.startsWith('remove '));
  }

  private call(kind: 'list' | 'run' | 'remove', text: string): void {
    this.calls.push(text);
    if (this.failing === kind) {
      this.failing = undefined;
      throw new Error(`docker ${kind} failed`);
    }
  }
}

const HOST = 'host1';
const APP = 'a'.repeat(64);
const OTHER_APP = 'b'.repeat(64);

const spec = (overrides: Partial<ProxySpec> = {}): ProxySpec => ({
  appId: APP,
  sidecarId: 'host1:web:8080-sidecar-proxy',
  serviceId: 'host1:web:8080',
  serviceName: 'web',
  limits: { memoryBytes: 128 * 2 ** 20, nanoCpus: 1e9, pids: 256 },
  name: 'web-sidecar-proxy',
  image: 'hashicorp/consul:1.20',
  cmd: ['consul', 'connect', 'proxy', '-sidecar-for', 'host1:web:8080'],
  env: { CONSUL_HTTP_ADDR: 'http://10.201.1.1:8500' },
  appStartedAt: '2026-11-27T17:17:47.328654356Z',
  ...overrides,
});

/** Real time passing, for the one timer a test lets fire. */
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

let keepers: SidecarProxies[] = [];
afterEach(() => {
  for (const keeper of keepers) keeper.stop(); // no backoff timer outlives its test
  keepers = [];
});

/** Consul's ACL token API in memory: the tokens that exist, and whether minting is refused (403). */
class MemoryTokens implements TokenApi {
  readonly tokens = new Map<string, { description: string; serviceIdentities: string[]; secretId: string }>();
  refuse = false;
  failing?: 'list' | 'delete';
  private ids = 0;

  async create(request: { description: string; serviceIdentities: string[] }): Promise<{ accessorId: string; secretId: string }> {
    if (this.refuse) throw Object.assign(new Error('403 Forbidden'), { statusCode: 403 });
    const accessorId = `accessor-${++this.ids}`;
    const secretId = `secret-${this.ids}`;
    this.tokens.set(accessorId, { ...request, secretId });
    return { accessorId, secretId };
  }

  async list(): Promise<{ accessorId: string; description: string }[]> {
    if (this.failing === 'list') throw new Error('Consul is away');
    return [...this.tokens].map(([accessorId, t]) => ({ accessorId, description: t.description }));
  }

  async delete(accessorId: string): Promise<void> {
    if (this.failing === 'delete') throw new Error('Consul is away');
    this.tokens.delete(accessorId);
  }
}

function setUp(withTokens?: MemoryTokens) {
  const engine = new MemoryEngine();
  const logs: LogRecord[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line) as LogRecord) });
  const lookedAgain: string[] = [];
  const clock = { now: 0 };
  const keeper = new SidecarProxies(
    engine,
    HOST,
    log,
    (appId) => lookedAgain.push(appId),
    () => clock.now,
    withTokens ? new ProxyTokens(withTokens, HOST, log) : undefined,
  );
  keepers.push(keeper);
  const events = (event: string) => logs.filter((l) => l.event === event);
  return { engine, keeper, logs, events, lookedAgain, clock };
}

/** The labels a proxy container of another registrar (or of this one, from before a restart) carries. */
const labelsOf = (appId: string, sidecarId: string, host = HOST, fingerprint = 'f'.repeat(16)) => ({
  [PROXY_LABELS.app]: appId,
  [PROXY_LABELS.host]: host,
  [PROXY_LABELS.sidecar]: sidecarId,
  [PROXY_LABELS.fingerprint]: fingerprint,
});

describe('reconcile/sidecar-proxies: SidecarProxies', () => {
  describe('sync', () => {
    it("starts a missing proxy labelled with its app, this host ID, its sidecar and its settings' fingerprint", async () => {
      const { engine, keeper, events } = setUp();
      await keeper.sync(APP, [spec()]);
      expect(engine.calls).to.deep.equal([`list ${APP}`, 'run host1:web:8080-sidecar-proxy']);
      const started = engine.of('host1:web:8080-sidecar-proxy');
      expect(started.spec).to.deep.equal(spec());
      const withoutToken = Object.values(PROXY_LABELS).filter((l) => l !== PROXY_LABELS.tokenAccessor);
      expect(Object.keys(started.labels).sort()).to.deep.equal(withoutToken.sort());
      expect(started.labels).to.deep.include({
        [PROXY_LABELS.app]: APP,
        [PROXY_LABELS.host]: HOST,
        [PROXY_LABELS.sidecar]: 'host1:web:8080-sidecar-proxy',
      });
      expect(started.labels[PROXY_LABELS.fingerprint]).to.match(/^[0-9a-f]{16}$/);
      expect(events('proxy-started')).to.have.length(1);
    });

    it('starts one proxy per sidecar of an app', async () => {
      const { engine, keeper } = setUp();
      await keeper.sync(APP, [spec(), spec({ sidecarId: 'host1:web:9090-sidecar-proxy', name: 'web-sidecar-proxy-9090' })]);
      expect(engine.writes).to.deep.equal(['run host1:web:8080-sidecar-proxy', 'run host1:web:9090-sidecar-proxy']);
    });

    it('keeps a running proxy started with the same settings, writing nothing to Docker', async () => {
      const { engine, keeper, clock } = setUp();
      await keeper.sync(APP, [spec()]);
      clock.now += 60_000;
      await keeper.sync(APP, [spec()]);
      expect(engine.writes).to.deep.equal(['run host1:web:8080-sidecar-proxy']);
      expect(engine.containers).to.have.length(1);
    });

    it('gives the same settings the same fingerprint, whatever the order of the environment', async () => {
      const { engine, keeper } = setUp();
      const env = { CONSUL_HTTP_ADDR: 'http://10.201.1.1:8500', CONSUL_HTTP_TOKEN: 't' };
      await keeper.sync(APP, [spec({ env })]);
      await keeper.sync(APP, [spec({ env: { CONSUL_HTTP_TOKEN: 't', CONSUL_HTTP_ADDR: 'http://10.201.1.1:8500' } })]);
      expect(engine.writes).to.have.length(1);
    });

    it('replaces a proxy started for an earlier run of its app, or with other settings', async () => {
      const { engine, keeper, clock, events } = setUp();
      await keeper.sync(APP, [spec()]);
      const first = engine.of('host1:web:8080-sidecar-proxy');
      clock.now += TIMINGS.proxyStableMs;
      await keeper.sync(APP, [spec({ appStartedAt: '2026-11-27T18:00:00.000000000Z' })]);
      const second = engine.of('host1:web:8080-sidecar-proxy');
      expect(engine.writes).to.deep.equal([
        'run host1:web:8080-sidecar-proxy',
        `remove ${first.fact.id}`,
        'run host1:web:8080-sidecar-proxy',
      ]);
      expect(second.fact.fingerprint).to.not.equal(first.fact.fingerprint);
      expect(events('proxy-removed')[0]!.reason).to.equal('changed');

      clock.now += TIMINGS.proxyStableMs;
      await keeper.sync(APP, [spec({ appStartedAt: '2026-11-27T18:00:00.000000000Z', image: 'envoyproxy/envoy:v1.31' })]);
      expect(engine.writes.slice(3)).to.deep.equal([`remove ${second.fact.id}`, 'run host1:web:8080-sidecar-proxy']);
    });

    it('replaces a proxy that is not running', async () => {
      const { engine, keeper, clock, events } = setUp();
      await keeper.sync(APP, [spec()]);
      const first = engine.of('host1:web:8080-sidecar-proxy');
      first.fact.running = false;
      clock.now += TIMINGS.proxyStableMs;
      await keeper.sync(APP, [spec()]);
      expect(engine.writes).to.deep.equal([
        'run host1:web:8080-sidecar-proxy',
        `remove ${first.fact.id}`,
        'run host1:web:8080-sidecar-proxy',
      ]);
      expect(events('proxy-removed')[0]!.reason).to.equal('ended');
    });

    it('removes the proxies of an app whose sidecars are gone, and then asks Docker nothing more of it', async () => {
      const { engine, keeper, events } = setUp();
      await keeper.sync(APP, [spec()]);
      const id = engine.of('host1:web:8080-sidecar-proxy').fact.id;
      await keeper.sync(APP, []);
      expect(engine.containers).to.deep.equal([]);
      expect(engine.writes.at(-1)).to.equal(`remove ${id}`);
      expect(events('proxy-removed')[0]!.reason).to.equal('unwanted');
      const calls = engine.calls.length;
      await keeper.sync(APP, []);
      expect(engine.calls).to.have.length(calls);
    });

    it('removes a proxy of a sidecar the app no longer has, keeping the others', async () => {
      const { engine, keeper } = setUp();
      const other = spec({ sidecarId: 'host1:web:9090-sidecar-proxy' });
      await keeper.sync(APP, [spec(), other]);
      const gone = engine.of('host1:web:9090-sidecar-proxy').fact.id;
      await keeper.sync(APP, [spec()]);
      expect(engine.writes.slice(2)).to.deep.equal([`remove ${gone}`]);
      expect(engine.containers.map((c) => c.fact.sidecarId)).to.deep.equal(['host1:web:8080-sidecar-proxy']);
    });

    it('asks Docker nothing for an app it never saw with a proxy, when none is wanted', async () => {
      const { engine, keeper } = setUp();
      await keeper.sync(APP, []);
      expect(engine.calls).to.deep.equal([]);
    });

    it('logs a failing Docker call as proxy-failed and resolves, trying again at the next sync', async () => {
      for (const failing of ['list', 'run', 'remove'] as const) {
        const { engine, keeper, clock, events } = setUp();
        await keeper.sync(APP, [spec()]);
        engine.of('host1:web:8080-sidecar-proxy').fact.running = false;
        clock.now += TIMINGS.proxyStableMs;
        engine.failing = failing;
        await keeper.sync(APP, [spec()]);
        const failed = events('proxy-failed');
        expect(failed, failing).to.have.length(1);
        expect(failed[0]).to.deep.include({ level: 40, containerId: APP });
        expect(failed[0]!.err, 'the failing call is the cause logged').to.include(`docker ${failing} failed`);
        clock.now += TIMINGS.proxyStableMs;
        await keeper.sync(APP, [spec()]);
        expect(
          engine.containers.map((c) => c.fact.running),
          failing,
        ).to.deep.equal([true]);
      }
    });

    it('does nothing once stopped', async () => {
      const { engine, keeper } = setUp();
      keeper.stop();
      await keeper.sync(APP, [spec()]);
      expect(engine.calls).to.deep.equal([]);
    });
  });

  describe('onEvent', () => {
    it("has the app of a proxy of this host ID looked at again, and counts a proxy that died as ended though Docker's list says running", async () => {
      const { engine, keeper, clock, lookedAgain } = setUp();
      await keeper.sync(APP, [spec()]);
      const first = engine.of('host1:web:8080-sidecar-proxy');
      keeper.onEvent(first.fact.id, true, first.labels);
      expect(lookedAgain).to.deep.equal([APP]);
      clock.now += TIMINGS.proxyStableMs;
      await keeper.sync(APP, [spec()]); // the list still calls it running (dockerd 20.10)
      expect(engine.writes).to.deep.equal([
        'run host1:web:8080-sidecar-proxy',
        `remove ${first.fact.id}`,
        'run host1:web:8080-sidecar-proxy',
      ]);
      const second = engine.of('host1:web:8080-sidecar-proxy');
      await keeper.sync(APP, [spec()]);
      expect(engine.writes, 'the new proxy is not taken for the one that ended').to.have.length(3);
      expect(second.fact.id).to.not.equal(first.fact.id);
    });

    it('counts a destroyed proxy as ended, and keeps a proxy whose event was of another kind', async () => {
      const { engine, keeper, clock, lookedAgain } = setUp();
      await keeper.sync(APP, [spec()]);
      const proxy = engine.of('host1:web:8080-sidecar-proxy');
      keeper.onEvent(proxy.fact.id, false, proxy.labels);
      await keeper.sync(APP, [spec()]);
      expect(engine.writes).to.have.length(1);
      keeper.onEvent(proxy.fact.id, true, proxy.labels);
      clock.now += TIMINGS.proxyStableMs;
      await keeper.sync(APP, [spec()]);
      expect(engine.writes).to.have.length(3);
      expect(lookedAgain).to.deep.equal([APP, APP]);
    });

    it('ignores events of proxies of another host ID, and of containers without the app label', () => {
      const { keeper, lookedAgain } = setUp();
      keeper.onEvent('proxy9', true, labelsOf(APP, 'x-sidecar-proxy', 'host2'));
      keeper.onEvent('proxy9', true, { [PROXY_LABELS.host]: HOST });
      keeper.onEvent(APP, true, {});
      expect(lookedAgain).to.deep.equal([]);
    });
  });

  describe('repair', () => {
    it("removes the proxies of apps that are not running, leaving other host IDs' proxies alone", async () => {
      const { engine, keeper } = setUp();
      const kept = engine.add(labelsOf(APP, 'host1:web:8080-sidecar-proxy'));
      const orphan = engine.add(labelsOf(OTHER_APP, 'host1:db:5432-sidecar-proxy'));
      const foreign = engine.add(labelsOf('c'.repeat(64), 'host2:x:80-sidecar-proxy', 'host2'));
      engine.running.add(APP);
      await keeper.repair();
      expect(engine.calls).to.deep.equal(['list *', 'runningIds', `list ${OTHER_APP}`, `remove ${orphan.fact.id}`]);
      expect(engine.containers).to.deep.equal([kept, foreign]);
    });

    it('learns which apps have proxies, so that a sync wanting none removes one it did not start', async () => {
      const { engine, keeper } = setUp();
      const left = engine.add(labelsOf(APP, 'host1:web:8080-sidecar-proxy'));
      engine.running.add(APP);
      await keeper.sync(APP, []);
      expect(engine.calls, 'before the pass it does not know of the proxy').to.deep.equal([]);
      await keeper.repair();
      await keeper.sync(APP, []);
      expect(engine.writes).to.deep.equal([`remove ${left.fact.id}`]);
    });

    it('asks for the running containers only when there are proxies', async () => {
      const { engine, keeper } = setUp();
      await keeper.repair();
      expect(engine.calls).to.deep.equal(['list *']);
    });

    it('forgets apps whose proxies are gone: a sync wanting none asks Docker nothing after it', async () => {
      const { engine, keeper } = setUp();
      await keeper.sync(APP, [spec()]);
      engine.containers.length = 0; // removed by someone else
      await keeper.repair();
      const calls = engine.calls.length;
      await keeper.sync(APP, []);
      expect(engine.calls).to.have.length(calls);
    });
  });

  describe('backoff of a proxy that keeps ending', () => {
    /** The proxy of the default spec ended at once (Docker lists it stopped). */
    const ends = (engine: MemoryEngine) => {
      engine.of('host1:web:8080-sidecar-proxy').fact.running = false;
    };

    it(`starts a proxy that ended within ${TIMINGS.proxyStableMs} ms again only ${TIMINGS.proxyRestartFirstMs} ms after it was started`, async () => {
      const { engine, keeper, clock, events } = setUp();
      await keeper.sync(APP, [spec()]);
      ends(engine);
      clock.now = 100;
      await keeper.sync(APP, [spec()]);
      expect(engine.writes.slice(1), 'the ended one is removed, no new one is started').to.deep.equal(['remove proxy1']);
      expect(engine.containers).to.deep.equal([]);
      const backoff = events('proxy-backoff');
      expect(backoff).to.have.length(1);
      expect(backoff[0]).to.deep.include({ level: 40, containerId: APP, sidecar: 'host1:web:8080-sidecar-proxy' });
      expect(backoff[0]!.waitMs).to.equal(TIMINGS.proxyRestartFirstMs - 100);

      clock.now = TIMINGS.proxyRestartFirstMs - 1;
      await keeper.sync(APP, [spec()]);
      expect(engine.containers, 'still paused').to.deep.equal([]);
      clock.now = TIMINGS.proxyRestartFirstMs;
      await keeper.sync(APP, [spec()]);
      expect(engine.containers.map((c) => c.fact.running)).to.deep.equal([true]);
    });

    it('has the app looked at again when the pause is over', async () => {
      const { engine, keeper, clock, lookedAgain } = setUp();
      await keeper.sync(APP, [spec()]);
      ends(engine);
      clock.now = TIMINGS.proxyRestartFirstMs - 5; // a 5 ms pause
      await keeper.sync(APP, [spec()]);
      expect(lookedAgain).to.deep.equal([]);
      await sleep(40);
      expect(lookedAgain).to.deep.equal([APP]);
    });

    it('clears its timers at stop: the app is not looked at again', async () => {
      const { engine, keeper, clock, lookedAgain } = setUp();
      await keeper.sync(APP, [spec()]);
      ends(engine);
      clock.now = TIMINGS.proxyRestartFirstMs - 5;
      await keeper.sync(APP, [spec()]);
      keeper.stop();
      await sleep(40);
      expect(lookedAgain).to.deep.equal([]);
    });

    it(`doubles the pause with each quick end, up to ${TIMINGS.proxyRestartMaxMs} ms`, async () => {
      const { engine, keeper, clock, events } = setUp();
      await keeper.sync(APP, [spec()]);
      const pauses: number[] = [];
      for (let round = 0; round < 9; round++) {
        ends(engine);
        clock.now += 1;
        await keeper.sync(APP, [spec()]);
        const pause = events('proxy-backoff').at(-1)!.waitMs! + 1;
        pauses.push(pause);
        clock.now += pause - 1; // when the timer would fire
        await keeper.sync(APP, [spec()]);
        expect(
          engine.containers.map((c) => c.fact.running),
          `round ${round}`,
        ).to.deep.equal([true]);
      }
      const first = TIMINGS.proxyRestartFirstMs;
      const max = TIMINGS.proxyRestartMaxMs;
      expect(pauses).to.deep.equal([1, 2, 4, 8, 16, 32, 64, 128, 256].map((n) => Math.min(max, first * n)));
      expect(events('proxy-started')).to.have.length(10);
    });

    it(`starts again at once a proxy that ran ${TIMINGS.proxyStableMs} ms, and pauses from the first step after it`, async () => {
      const { engine, keeper, clock, events } = setUp();
      await keeper.sync(APP, [spec()]);
      for (let i = 0; i < 3; i++) {
        ends(engine);
        clock.now += 1;
        await keeper.sync(APP, [spec()]);
        clock.now += events('proxy-backoff').at(-1)!.waitMs!;
        await keeper.sync(APP, [spec()]);
      }
      const paused = events('proxy-backoff').length;
      ends(engine);
      clock.now += TIMINGS.proxyStableMs;
      await keeper.sync(APP, [spec()]);
      expect(events('proxy-backoff'), 'a stable run is not a failure').to.have.length(paused);
      expect(engine.containers.map((c) => c.fact.running)).to.deep.equal([true]);
      ends(engine);
      clock.now += 1;
      await keeper.sync(APP, [spec()]);
      expect(events('proxy-backoff').at(-1)!.waitMs).to.equal(TIMINGS.proxyRestartFirstMs - 1);
    });

    it('counts no pause for a sidecar the app gave up, should it come back', async () => {
      const { engine, keeper, clock, events } = setUp();
      await keeper.sync(APP, [spec()]);
      ends(engine);
      clock.now = 100;
      await keeper.sync(APP, [spec()]);
      expect(events('proxy-backoff')).to.have.length(1);
      await keeper.sync(APP, [spec({ sidecarId: 'host1:web:9090-sidecar-proxy' })]);
      clock.now = 200;
      await keeper.sync(APP, [spec()]);
      expect(events('proxy-backoff')).to.have.length(1);
      expect(engine.writes.at(-1)).to.equal('run host1:web:8080-sidecar-proxy');
    });
  });

  describe('tokens of their own (ACLs on)', () => {
    const own = (overrides: Partial<ProxySpec> = {}) => spec({ ownToken: true, ...overrides });

    it("mints each proxy a token for its app's service alone, given in its environment only, its accessor on a label", async () => {
      const tokens = new MemoryTokens();
      const { engine, keeper, logs } = setUp(tokens);
      await keeper.sync(APP, [own()]);
      const [accessorId, token] = [...tokens.tokens][0]!;
      expect(token.serviceIdentities).to.deep.equal(['web']);
      expect(token.description).to.include(`host=${HOST} `).and.include('host1:web:8080-sidecar-proxy');
      const started = engine.of('host1:web:8080-sidecar-proxy');
      expect(started.secretEnv).to.deep.equal({ CONSUL_HTTP_TOKEN: token.secretId });
      expect(started.labels[PROXY_LABELS.tokenAccessor]).to.equal(accessorId);
      expect(started.spec!.env).to.not.have.property('CONSUL_HTTP_TOKEN');
      expect(JSON.stringify(logs)).to.not.include(token.secretId);
    });

    it('revokes the token when its proxy is removed or replaced, and when the proxy could not be started', async () => {
      const tokens = new MemoryTokens();
      const { engine, keeper, clock } = setUp(tokens);
      await keeper.sync(APP, [own()]);
      const first = [...tokens.tokens.keys()];
      clock.now += TIMINGS.proxyStableMs;
      await keeper.sync(APP, [own({ appStartedAt: '2026-11-27T18:00:00.000000000Z' })]);
      expect([...tokens.tokens.keys()])
        .to.have.length(1)
        .and.not.include(first[0]);
      await keeper.sync(APP, []);
      expect(tokens.tokens.size).to.equal(0);
      engine.failing = 'run';
      await keeper.sync(APP, [own()]);
      expect(tokens.tokens.size, 'the token of a proxy that failed to start').to.equal(0);
    });

    it("revokes at repair this host ID's tokens that no proxy carries, and keeps other hosts' and every carried one", async () => {
      const tokens = new MemoryTokens();
      const { keeper, engine, events } = setUp(tokens);
      engine.running.add(APP);
      await keeper.sync(APP, [own()]);
      const carried = [...tokens.tokens.keys()][0]!;
      await tokens.create({ description: `consul-registrar proxy token host=${HOST} sidecar=gone app=x`, serviceIdentities: ['gone'] });
      await tokens.create({ description: `consul-registrar proxy token host=${HOST}2 sidecar=x app=x`, serviceIdentities: ['x'] });
      await tokens.create({ description: 'an operator token', serviceIdentities: ['y'] });
      await keeper.repair();
      expect([...tokens.tokens.values()].map((t) => t.description))
        .to.have.length(3)
        .and.not.include.members([`consul-registrar proxy token host=${HOST} sidecar=gone app=x`]);
      expect(tokens.tokens.has(carried)).to.equal(true);
      expect(events('proxy-tokens-revoked')).to.have.length(1);
    });

    it('keeps a token whose proxy is being created while a repair lists, and one minted after the list', async () => {
      const tokens = new MemoryTokens();
      const { keeper, engine } = setUp(tokens);
      engine.running.add(APP);
      let create!: () => void;
      const run = engine.run.bind(engine);
      engine.run = async (...args) => {
        await new Promise<void>((resolve) => (create = resolve)); // Docker takes its time creating this one
        return run(...args);
      };
      const starting = keeper.sync(APP, [own()]);
      while (tokens.tokens.size === 0) await sleep(1); // minted, its container not yet there
      await keeper.repair();
      expect(tokens.tokens.size, 'minted before the list, its proxy not yet created').to.equal(1);
      create();
      await starting;
      await keeper.repair();
      expect(tokens.tokens.size, 'carried by a listed proxy now').to.equal(1);
      engine.containers.splice(0); // its proxy removed behind the registrar's back
      await keeper.repair();
      expect(tokens.tokens.size, 'no proxy carries it any more').to.equal(0);
    });

    it('starts no proxy, with one error line, when minting is refused; the app keeps its sidecar registration', async () => {
      const tokens = new MemoryTokens();
      tokens.refuse = true;
      const { engine, keeper, events } = setUp(tokens);
      await keeper.start();
      await keeper.sync(APP, [own()]);
      await keeper.repair();
      expect(engine.writes).to.deep.equal([]);
      expect(events('proxy-tokens-refused')).to.have.length(1);
      expect(events('proxy-failed')).to.deep.equal([]);
    });

    it('leaves no probe token behind when minting is allowed', async () => {
      const tokens = new MemoryTokens();
      const { keeper, events } = setUp(tokens);
      await keeper.start();
      expect(tokens.tokens.size).to.equal(0);
      expect(events('proxy-tokens-refused')).to.deep.equal([]);
    });

    it('still repairs the proxies when the tokens cannot be listed, and says so', async () => {
      const tokens = new MemoryTokens();
      const { keeper, engine, events } = setUp(tokens);
      await keeper.sync(APP, [own()]);
      tokens.failing = 'list';
      await keeper.repair(); // APP is not running: its proxy goes
      expect(engine.containers).to.have.length(0);
      expect(events('proxy-token-failed')).to.have.length(1);
    });
  });
});
