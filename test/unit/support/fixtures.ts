import { readFileSync } from 'node:fs';
import type { ContainerInspectInfo } from 'dockerode';
import { factsFromInspect } from '../../../src/docker/facts.js';
import type { ContainerFacts } from '../../../src/model/facts.js';
import { defaultSettings } from '../../../src/config.js';
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

/** The model's settings as the CLI's defaults make them (no flags, no environment), with this host. */
const DEFAULTS: PlanOptions = { ...defaultSettings().model, hostId: 'host1' };

/** Plan options: the defaults with what a test changes. */
export const options = (overrides: Partial<PlanOptions> = {}): PlanOptions => ({ ...DEFAULTS, ...overrides });
