import type { ContainerFacts, StoppedHint } from '../model/facts.js';

export type DeregisterMode = 'always' | 'on-success';

/** --deregister on-success: a container that exited non-zero keeps its services (they go critical). */
export function keepsServicesWhileStopped(
  mode: DeregisterMode,
  facts: ContainerFacts | undefined,
  stopped: StoppedHint | undefined,
): boolean {
  if (mode !== 'on-success') return false;
  if (stopped) return !stopped.removed && stopped.exitCode !== 0;
  return facts !== undefined && !facts.running && facts.exitCode !== 0;
}
