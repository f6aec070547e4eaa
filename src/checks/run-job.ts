import type Docker from 'dockerode';
import type { ContainerFacts } from '../model/facts.js';
import type { CheckJob } from '../model/registration.js';
import { DockerExecExecutor } from './docker-exec.js';
import type { Running } from './executor.js';
import { NsenterExecutor } from './nsenter.js';
import { truncate, type Outcome } from './outcome.js';

export type ExecutorChoice = 'docker' | 'nsenter' | 'auto';

/**
 * How each job runs: a script through the chosen executor (auto: nsenter where this registrar can
 * enter the container, else Docker's exec API), a Docker health mirror by reading the engine's
 * last result from inspect.
 */
export function jobRunner(choice: ExecutorChoice, docker: Docker, inspect: (id: string) => Promise<ContainerFacts | undefined>): (job: CheckJob) => Running {
  const viaDocker = new DockerExecExecutor(docker);
  const viaNsenter = new NsenterExecutor();
  return (job) => {
    if (job.kind === 'docker-health') {
      const outcome = inspect(job.containerId).then(healthOutcome);
      return { outcome, finished: outcome.then(() => undefined, () => undefined) };
    }
    const useNsenter = choice === 'nsenter' || (choice === 'auto' && NsenterExecutor.canEnter(job.pid, job.containerId));
    return (useNsenter ? viaNsenter : viaDocker).run(job);
  };
}

export function healthOutcome(facts: ContainerFacts | undefined): Outcome {
  const health = facts?.health;
  if (!health) return { status: 'critical', output: 'the container is gone or has no HEALTHCHECK' };
  if (health.status === 'healthy') return { status: 'passing', output: truncate(health.output) };
  const why = health.status === 'starting' ? 'starting: no health probe has passed yet' : health.status;
  return { status: 'critical', output: truncate(`${why}\n${health.output}`) };
}
