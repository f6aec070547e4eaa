// The Docker exec executor against a fake engine: the deadline covers creating the exec too (a hung
// dockerd cannot hold a check slot), and a run is finished only once Docker says its process is gone.
import { ExecBudget } from '../../../src/checks/exec-budget.js';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import type Docker from 'dockerode';
import { DockerExecExecutor } from '../../../src/checks/docker-exec.js';
import type { CheckJob } from '../../../src/model/registration.js';

const job: CheckJob = {
  kind: 'script',
  checkId: 'c',
  containerId: 'no-such-container-here',
  pid: 0,
  user: '',
  env: {},
  argv: ['sleep', '30'],
  intervalMs: 1000,
  timeoutMs: 50,
};

/** An engine whose exec create never answers, or whose exec keeps running until `stop()`. */
function engine(kind: 'hung' | 'runs') {
  let running = true;
  const stream = new PassThrough();
  const exec = {
    start: async () => stream,
    inspect: async () => ({ Running: running, ExitCode: running ? null : 0, Pid: 0 }),
  };
  const docker = {
    getContainer: () => ({ exec: () => (kind === 'hung' ? new Promise(() => undefined) : Promise.resolve(exec)) }),
    modem: { demuxStream: () => undefined },
  } as unknown as Docker;
  return { docker, stop: () => (running = false) };
}

const settled = async (p: Promise<unknown>, ms: number) =>
  Promise.race([p.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);

describe('checks/docker-exec: DockerExecExecutor', () => {
  it('reports critical at the deadline when Docker never creates the exec, without counting the run finished', async () => {
    const { docker } = engine('hung');
    const running = new DockerExecExecutor(docker, new ExecBudget(1000)).run(job);
    const outcome = await running.outcome;
    expect(outcome.status).to.equal('critical');
    expect(outcome.output).to.include('Docker did not start it in time');
    expect(await settled(running.finished, 100), 'no second run while the first may still start').to.equal(false);
  });

  it('counts a timed-out run finished only once Docker says its process is gone', async () => {
    const { docker, stop } = engine('runs');
    const running = new DockerExecExecutor(docker, new ExecBudget(1000)).run(job);
    expect((await running.outcome).output).to.include('left running');
    expect(await settled(running.finished, 300)).to.equal(false);
    stop();
    expect(await settled(running.finished, 2500)).to.equal(true);
  });
});
