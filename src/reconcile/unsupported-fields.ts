import type { Logger } from 'pino';
import { droppedFieldNote, fitToAgent, type Capabilities } from '../consul/capabilities.js';
import type { Registration } from '../model/registration.js';

/**
 * Check fields an older Consul refuses (it would refuse the whole registration) are left out of
 * what is sent; each field is said once for the host, with what leaving it out means.
 */
export class UnsupportedFields {
  private readonly reported = new Set<string>();

  constructor(
    private readonly capabilities: Capabilities,
    private readonly log: Logger,
  ) {}

  /** The registration as this agent accepts it. */
  fit(reg: Registration): Registration {
    const { body, dropped } = fitToAgent(reg, this.capabilities);
    for (const field of dropped.filter((f) => !this.reported.has(f))) {
      this.reported.add(field);
      this.log.warn({ field }, droppedFieldNote(field, this.capabilities.version));
    }
    return body;
  }
}
