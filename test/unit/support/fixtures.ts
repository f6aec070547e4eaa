import { readFileSync } from 'node:fs';
import type { ContainerInspectInfo } from 'dockerode';
import { factsFromInspect } from '../../../src/docker/facts.js';
import type { ContainerFacts } from '../../../src/model/facts.js';
import type { PlanOptions } from '../../../src/model/plan.js';

export type FixtureName =
  'default-bridge' | 'user-network' | 'two-networks' | 'host-mode' | 'no-expose' | 'ipv6' | 'shared-netns' | 'stopped' | 'swarm-task';

/** Recorded `docker inspect` JSON (test/fixtures/inspect), a fresh copy on every call. */
export function inspect(name: FixtureName): ContainerInspectInfo {
  const url = new URL(`../../fixtures/inspect/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as ContainerInspectInfo;
}

/** The facts of a recorded container; shared-netns takes its networks from user-network, its owner. */
export function facts(name: FixtureName): ContainerFacts {
  const info = inspect(name);
  return name === 'shared-netns' ? factsFromInspect(info, inspect('user-network')) : factsFromInspect(info);
}

/** Facts of a recorded container with labels and env replaced (the SERVICE_* ones the recording had are dropped). */
export function withSettings(base: ContainerFacts, labels: Record<string, string> = {}, env: Record<string, string> = {}): ContainerFacts {
  return { ...base, labels, env };
}

export const options = (overrides: Partial<PlanOptions> = {}): PlanOptions => ({
  hostId: 'host1',
  explicit: false,
  tags: [],
  // As the CLI's defaults: --enable-script-checks off, Docker HEALTHCHECK mirroring on.
  scriptChecks: false,
  dockerHealth: true,
  // As the CLI's defaults for the containment settings.
  maxServices: 64,
  metaFromEnv: true,
  httpMethods: ['GET', 'HEAD'],
  ...overrides,
});
