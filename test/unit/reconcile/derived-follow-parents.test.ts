// A sidecar follows its parent's fate: when the parent's ID is refused (a foreign service's, another
// container's), no `<id>-sidecar-proxy` is registered pointing at a service that is not the container's.
import { expect } from 'chai';
import pino from 'pino';
import { capabilitiesOf } from '../../../src/consul/capabilities.js';
import type { ContainerFacts } from '../../../src/model/facts.js';
import { Reconciler, type ContainerSource } from '../../../src/reconcile/reconciler.js';
import { MemoryAgent } from '../../support/memory-agent.js';
import { facts, options } from '../support/fixtures.js';

class Docker implements ContainerSource {
  readonly containers = new Map<string, ContainerFacts>();
  async inspect(id: string): Promise<ContainerFacts | undefined> {
    return this.containers.get(id);
  }
  async runningIds(): Promise<string[]> {
    return [...this.containers.keys()];
  }
}

function setUp() {
  const agent = new MemoryAgent();
  const docker = new Docker();
  const reconciler = new Reconciler({
    docker,
    consul: agent,
    options: {
      model: options({ hostId: 'host1', connect: { enabled: true } }),
      deregister: 'always',
      capabilities: capabilitiesOf([1, 8, 7]),
      concurrency: 4,
      writeRetry: { retries: 1, minMs: 1, maxMs: 1 },
    },
    logger: pino({ level: process.env.DBG ? 'debug' : 'silent' }),
  });
  const run = (name: string, labels: Record<string, string>): ContainerFacts => {
    const c: ContainerFacts = { ...facts('user-network'), id: name.padEnd(64, '0'), name, labels, env: {} };
    docker.containers.set(c.id, c);
    return c;
  };
  return { agent, reconciler, run };
}

describe('reconcile/derived-follow-parents: a refused parent gets no sidecar', () => {
  it("a SERVICE_ID that is a foreign service's registers neither it nor <id>-sidecar-proxy", async () => {
    const { agent, reconciler, run } = setUp();
    agent.foreign('payments-1', { team: 'payments' });
    const evil = run('evil', { SERVICE_ID: 'payments-1', SERVICE_NAME: 'evil', SERVICE_CONNECT: 'sidecar' });
    await reconciler.syncContainer(evil.id);
    await reconciler.fullSync();
    expect([...agent.services.keys()]).to.deep.equal(['payments-1']);
    expect(agent.services.get('payments-1')!.Meta).to.deep.equal({ team: 'payments' });
  });

  it('an ID another container holds: the second gets no sidecar for it, and holds none the holder may want later', async () => {
    const { agent, reconciler, run } = setUp();
    const holder = run('holder', { SERVICE_ID: 'db' });
    const second = run('second', { SERVICE_ID: 'db', SERVICE_CONNECT: 'sidecar' });
    await reconciler.syncContainer(holder.id);
    await reconciler.syncContainer(second.id);
    await reconciler.fullSync();
    expect([...agent.services.keys()]).to.deep.equal(['db']);
    expect(agent.services.get('db')!.Meta.registrar_container).to.equal(holder.id);
    // The holder asks for a sidecar later: the ID is free for it.
    run('holder', { SERVICE_ID: 'db', SERVICE_CONNECT: 'sidecar' });
    await reconciler.fullSync();
    expect([...agent.services.keys()].sort()).to.deep.equal(['db', 'db-sidecar-proxy']);
    for (const id of ['db', 'db-sidecar-proxy']) expect(agent.services.get(id)!.Meta.registrar_container).to.equal(holder.id);
  });

  it('a container whose parent is fine keeps its sidecar', async () => {
    const { agent, reconciler, run } = setUp();
    const c = run('web', { SERVICE_ID: 'web-1', SERVICE_CONNECT: 'sidecar' });
    await reconciler.syncContainer(c.id);
    expect([...agent.services.keys()].sort()).to.deep.equal(['web-1', 'web-1-sidecar-proxy']);
  });
});

describe('reconcile/derived-follow-parents: a refused primary gets no aliases', () => {
  it("a SERVICE_ID that is a foreign service's registers none of its aliases", async () => {
    const { agent, reconciler, run } = setUp();
    agent.foreign('payments-1', { team: 'payments' });
    const evil = run('evil', { SERVICE_ID: 'payments-1', SERVICE_ALIASES: 'pay,pay2' });
    await reconciler.syncContainer(evil.id);
    await reconciler.fullSync();
    expect([...agent.services.keys()]).to.deep.equal(['payments-1']);
  });

  it('aliases of an ID another container holds stay the holder’s to ask for', async () => {
    const { agent, reconciler, run } = setUp();
    const holder = run('holder', { SERVICE_ID: 'db' });
    const second = run('second', { SERVICE_ID: 'db', SERVICE_ALIASES: 'database' });
    await reconciler.syncContainer(holder.id);
    await reconciler.syncContainer(second.id);
    await reconciler.fullSync();
    expect([...agent.services.keys()]).to.deep.equal(['db']);
    run('holder', { SERVICE_ID: 'db', SERVICE_ALIASES: 'database' });
    await reconciler.fullSync();
    expect([...agent.services.keys()].sort()).to.deep.equal(['db', 'db:alias:database']);
    for (const id of ['db', 'db:alias:database']) expect(agent.services.get(id)!.Meta.registrar_container).to.equal(holder.id);
  });

  it('registers the aliases of a fine primary, owned like it, and removes them all when the container stops', async () => {
    const { agent, reconciler, run } = setUp();
    const c = run('web', { SERVICE_ID: 'web-1', SERVICE_ALIASES: 'www,web-alt' });
    await reconciler.syncContainer(c.id);
    expect([...agent.services.keys()].sort()).to.deep.equal(['web-1', 'web-1:alias:web-alt', 'web-1:alias:www']);
    c.running = false;
    await reconciler.syncContainer(c.id);
    expect([...agent.services.keys()]).to.deep.equal([]);
  });
});
