import type { Logger } from 'pino';
import { describeError } from '../errors.js';
import type { Part } from '../part.js';
import type { Metrics } from '../status/metrics.js';
import type { PassSummary } from './reconciler.js';

/**
 * The level-triggered repair loop: a full pass at start (the event watcher's first connection asks
 * for it), after every reconnection or agent recovery, and every --resync seconds. One pass at a
 * time; asking during a pass runs exactly one more after it, which sees everything asked for.
 */
export class FullPasses implements Part {
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> | undefined;
  private again = false;
  private endedAt: number | undefined;
  private ran = 0;

  constructor(
    private readonly fullSync: () => Promise<PassSummary>,
    private readonly resyncSeconds: number,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  /** When the last successful pass ended (ms since the epoch), for /healthz. */
  get lastEnded(): number | undefined {
    return this.endedAt;
  }

  start(): void {
    if (this.resyncSeconds > 0) this.timer = setInterval(() => void this.request(), this.resyncSeconds * 1000);
  }

  /** Registrations and deregistrations so far (event syncs during a pass count too: they changed something as well). */
  private writes(): number {
    return this.metrics.get('registrar_registrations_total') + this.metrics.get('registrar_deregistrations_total');
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.again = false;
    await this.pass;
  }

  request(): Promise<void> {
    if (this.pass) {
      this.again = true;
      return this.pass;
    }
    this.pass = (async () => {
      do {
        this.again = false;
        await this.runOne();
      } while (this.again);
      this.pass = undefined;
    })();
    return this.pass;
  }

  private async runOne(): Promise<void> {
    try {
      const writes = this.writes();
      const summary = await this.fullSync();
      this.endedAt = Date.now();
      this.metrics.inc('registrar_full_passes_total');
      this.metrics.observe('registrar_full_pass_duration_seconds', summary.ms / 1000);
      this.metrics.set('registrar_last_full_pass_timestamp_seconds', Math.round(this.endedAt / 1000));
      // A pass every --resync that finds nothing to do is routine (~2,900 lines a day at info): debug.
      // The first after start, and one that wrote or failed something, say what the operator acts on.
      const notable = this.ran++ === 0 || summary.failed > 0 || this.writes() !== writes;
      this.log[notable ? 'info' : 'debug'](
        { event: 'full-pass', ...summary },
        `full pass: ${summary.containers} containers in ${summary.ms} ms`,
      );
    } catch (err) {
      this.log.warn({ err: describeError(err) }, 'full pass failed; retried at the next pass');
    }
  }
}
