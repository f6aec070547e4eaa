// The Docker event watcher with an injected event source, as kubernetes-client's informer cache is
// tested with a fake watch: events become "look at this container again", every (re)connection
// asks for a full re-list, and a stream that ends or fails is reopened with backoff.
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import pino from 'pino';
import { DockerEventWatcher, type ContainerEvent, type EventSource } from '../../../src/docker/events.js';

class FakeEvents implements EventSource {
  readonly streams: PassThrough[] = [];
  readonly filters: Record<string, string[]>[] = [];
  failNext = 0;
  /** What Docker's log answers a query with since/until (the audit). */
  logged: object[] = [];
  /** Docker's clock, as its info answers (ms). */
  clock = 0;
  async info(): Promise<{ SystemTime?: string }> {
    return { SystemTime: new Date(this.clock).toISOString() };
  }
  readonly queries: { since: number; until: number }[] = [];
  async getEvents(options: { filters: Record<string, string[]>; since?: number; until?: number }): Promise<NodeJS.ReadableStream> {
    if (options.since !== undefined) {
      this.queries.push({ since: options.since, until: options.until! });
      const log = new PassThrough();
      log.end(this.logged.map((e) => `${JSON.stringify(e)}\n`).join(''));
      return log;
    }
    this.filters.push(options.filters);
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('connect ECONNREFUSED /var/run/docker.sock');
    }
    const stream = new PassThrough();
    this.streams.push(stream);
    return stream;
  }
  send(event: object): void {
    this.streams.at(-1)!.write(`${JSON.stringify(event)}\n`);
  }
}

const until = async (what: string, probe: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !probe(); i++) await new Promise((r) => setTimeout(r, 2));
  if (!probe()) throw new Error(`never: ${what}`);
};

function watch(source: FakeEvents, backoffs: number[] = [], stableAfterMs = 10_000, now?: () => number) {
  const seen: [string, ContainerEvent][] = [];
  let connected = 0;
  const watcher = new DockerEventWatcher(
    source,
    {
      onContainer: (id, event) => seen.push([id, event]),
      onConnected: () => connected++,
      backoffMs: (attempt) => {
        backoffs.push(attempt);
        return 1;
      },
      stableAfterMs,
      auditEveryMs: 60_000,
      ...(now ? { now } : {}),
    },
    pino({ level: 'silent' }),
  );
  const running = watcher.run();
  return { watcher, seen, running, connected: () => connected };
}

describe('docker/events: DockerEventWatcher', () => {
  it('turns container and network events into containers to look at, with the action and attributes', async () => {
    const source = new FakeEvents();
    const { watcher, seen, running, connected } = watch(source);
    await until('connected', () => connected() === 1);
    source.send({ Type: 'container', Action: 'die', Actor: { ID: 'c1', Attributes: { exitCode: '3', name: 'web' } } });
    source.send({ Type: 'network', Action: 'connect', Actor: { ID: 'n1', Attributes: { container: 'c2' } } });
    source.send({ Type: 'container', Action: 'start' }); // no actor: nothing to look at
    await until('two events', () => seen.length === 2);
    expect(seen).to.deep.equal([
      ['c1', { action: 'die', attributes: { exitCode: '3', name: 'web' } }],
      ['c2', { action: 'connect', attributes: {} }],
    ]);
    expect(source.filters[0]!.type).to.deep.equal(['container', 'network']);
    await watcher.stop();
    await running;
  });

  it('reopens an ended stream and asks for a full re-list after every connection', async () => {
    const source = new FakeEvents();
    const { watcher, running, connected } = watch(source);
    await until('connected', () => connected() === 1);
    source.streams[0]!.end();
    await until('reconnected', () => connected() === 2);
    expect(source.streams).to.have.length(2);
    await watcher.stop();
    await running;
  });

  it('backs off while Docker refuses, then reconnects and re-lists', async () => {
    const source = new FakeEvents();
    source.failNext = 3;
    const backoffs: number[] = [];
    const { watcher, running, connected } = watch(source, backoffs);
    await until('connected after the refusals', () => connected() === 1);
    expect(backoffs).to.deep.equal([1, 2, 3]);
    await watcher.stop();
    await running;
  });

  it('stops at once, also while waiting to reconnect', async () => {
    const source = new FakeEvents();
    source.failNext = 1000;
    const watcher = new DockerEventWatcher(
      source,
      { onContainer: () => undefined, onConnected: () => undefined, backoffMs: () => 60_000, auditEveryMs: 0 },
      pino({ level: 'silent' }),
    );
    const running = watcher.run();
    await until('one attempt', () => source.filters.length === 1);
    const t0 = performance.now();
    await watcher.stop();
    await running;
    expect(performance.now() - t0).to.be.below(100);
  });
});

describe('docker/events: a dockerd that accepts and drops the stream', () => {
  it('keeps backing off while each stream ends at once, so full passes stay rare', async () => {
    const source = new FakeEvents();
    const backoffs: number[] = [];
    const { watcher, running, connected } = watch(source, backoffs);
    for (let i = 1; i <= 4; i++) {
      await until(`connection ${i}`, () => connected() === i);
      source.streams.at(-1)!.end();
    }
    await until('the fourth backoff', () => backoffs.length === 4);
    expect(backoffs).to.deep.equal([1, 2, 3, 4]);
    await watcher.stop();
    await running;
  });

  it('starts the backoff over once a stream has stayed up', async () => {
    const source = new FakeEvents();
    const backoffs: number[] = [];
    const { watcher, running, connected } = watch(source, backoffs, 20);
    await until('connected', () => connected() === 1);
    source.streams[0]!.end();
    await until('reconnected', () => connected() === 2);
    await new Promise((r) => setTimeout(r, 40)); // longer than stableAfterMs
    source.streams[1]!.end();
    await until('two backoffs', () => backoffs.length === 2);
    expect(backoffs).to.deep.equal([1, 1]);
    await watcher.stop();
    await running;
  });

  describe("the audit against Docker's event log", () => {
    const die = { Type: 'container', Action: 'die', Actor: { ID: 'c1', Attributes: {} }, timeNano: 1_700_000_000_000_000_000 };

    async function audited(deliver: boolean, logged: object[], dockerAheadMs = 0) {
      const source = new FakeEvents();
      let clock = 1_000_000;
      const { watcher, running, connected } = watch(source, [], 10_000, () => clock);
      await until('connected', () => connected() === 1);
      if (deliver) source.send(die);
      await new Promise((r) => setTimeout(r, 10));
      source.logged = logged;
      clock += 60_000;
      source.clock = clock + dockerAheadMs;
      await watcher.auditStream();
      await new Promise((r) => setTimeout(r, 10));
      const result = { connections: connected(), queries: source.queries };
      await watcher.stop();
      await running;
      return result;
    }

    it('leaves a quiet stream alone when Docker logged nothing: silence is not death', async () => {
      const { connections, queries } = await audited(false, []);
      expect(connections).to.equal(1);
      // From a second after the subscription to two seconds ago, in seconds.
      expect(queries).to.deep.equal([{ since: 1_001, until: 1_058 }]);
    });

    it("asks for the window in Docker's clock when it is off ours (a remote DOCKER_HOST)", async () => {
      expect((await audited(false, [], 10_000)).queries).to.deep.equal([{ since: 1_011, until: 1_068 }]);
    });

    it('leaves a stream alone that delivered everything Docker logged', async () => {
      expect((await audited(true, [die])).connections).to.equal(1);
    });

    it('reopens a stream that missed an event Docker logged (a dead stream), which re-lists everything', async () => {
      expect((await audited(false, [die])).connections).to.equal(2);
    });
  });
});
