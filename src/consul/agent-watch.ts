import type { Logger } from 'pino';
import { describeError } from '../errors.js';
import type { Part } from '../part.js';

/** What the watch asks the agent: who it is. */
export interface AgentIdentity {
  self(): Promise<{ nodeId: string }>;
}

/**
 * Notices when the local agent may have lost what we registered: it was unreachable and answers
 * again, or it answers as a different node (a dev agent, or one whose data dir was wiped, starts
 * with a new node ID and no services). Either way the caller runs a full pass at once instead of
 * waiting for the periodic one. A poll of /v1/agent/self is small and cheap.
 */
export class AgentWatch implements Part {
  private timer: NodeJS.Timeout | undefined;
  private down = false;
  private polling = false;

  /** False while the agent does not answer. */
  get reachable(): boolean {
    return !this.down;
  }

  constructor(
    private readonly consul: AgentIdentity,
    /** The agent's node ID at start (run-context.ts read it). */
    private nodeId: string,
    private readonly everyMs: number,
    private readonly onRecovered: (why: string) => void,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async poll(): Promise<void> {
    // At most one poll in flight: an agent that hangs must not collect a request every second.
    if (this.polling) return;
    this.polling = true;
    try {
      const self = await this.consul.self();
      if (this.down || self.nodeId !== this.nodeId) {
        const why = this.down ? 'Consul answers again' : `Consul agent restarted as a new node (${self.nodeId})`;
        this.down = false;
        this.nodeId = self.nodeId;
        this.log.info(`${why}: syncing everything`);
        this.onRecovered(why);
      }
    } catch (err) {
      if (!this.down) this.log.warn({ err: describeError(err) }, 'Consul agent unreachable; registrations resume when it answers');
      this.down = true;
    } finally {
      this.polling = false;
    }
  }
}
