import type { ContainerFacts } from '../../../src/model/facts.js';
import type { ContainerSource } from '../../../src/reconcile/reconciler.js';

/** Docker as the reconciler sees it: a map of containers the test edits. */
export class MemoryDocker implements ContainerSource {
  readonly containers = new Map<string, ContainerFacts>();
  inspects = 0;
  async inspect(id: string): Promise<ContainerFacts | undefined> {
    this.inspects++;
    return this.containers.get(id);
  }
  async runningIds(): Promise<string[]> {
    return [...this.containers.values()].filter((c) => c.running).map((c) => c.id);
  }
}

/** One line of the reconciler's JSON log, as the tests read it. */
export interface LogRecord {
  level: number;
  msg: string;
  event?: string;
  [key: string]: unknown;
}
