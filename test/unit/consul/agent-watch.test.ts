// The agent watch with an injected agent: a full pass is asked for when the agent answers again
// after being unreachable, or answers as a new node (it lost its state), and only then.
import { expect } from 'chai';
import pino from 'pino';
import { AgentWatch, type AgentIdentity } from '../../../src/consul/agent-watch.js';

class FakeAgent implements AgentIdentity {
  nodeId = 'node-a';
  down = false;
  calls = 0;
  async self(): Promise<{ nodeId: string }> {
    this.calls++;
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:8500');
    return { nodeId: this.nodeId };
  }
}

const polls = async (agent: FakeAgent, n: number): Promise<void> => {
  const target = agent.calls + n;
  while (agent.calls < target) await new Promise((r) => setTimeout(r, 1));
};

describe('consul/agent-watch: AgentWatch', () => {
  it('asks for nothing while the agent answers as the same node', async () => {
    const agent = new FakeAgent();
    const recovered: string[] = [];
    const watch = new AgentWatch(agent, 'node-a', 1, (why) => recovered.push(why), pino({ level: 'silent' }));
    watch.start();
    await polls(agent, 5);
    watch.stop();
    expect(recovered).to.deep.equal([]);
    expect(watch.reachable).to.equal(true);
  });

  it('reports the agent unreachable, then asks for a full pass once when it answers again', async () => {
    const agent = new FakeAgent();
    const recovered: string[] = [];
    const watch = new AgentWatch(agent, 'node-a', 1, (why) => recovered.push(why), pino({ level: 'silent' }));
    watch.start();
    agent.down = true;
    await polls(agent, 3);
    expect(watch.reachable).to.equal(false);
    agent.down = false;
    await polls(agent, 3);
    watch.stop();
    expect(recovered).to.deep.equal(['Consul answers again']);
    expect(watch.reachable).to.equal(true);
  });

  it('asks for a full pass when the agent answers as a new node (restarted without its state)', async () => {
    const agent = new FakeAgent();
    const recovered: string[] = [];
    const watch = new AgentWatch(agent, 'node-a', 1, (why) => recovered.push(why), pino({ level: 'silent' }));
    watch.start();
    agent.nodeId = 'node-b';
    await polls(agent, 4);
    watch.stop();
    expect(recovered).to.have.length(1);
    expect(recovered[0]).to.include('new node (node-b)');
  });
});
