import type { Logger } from 'pino';
import type { StoppedHint } from '../model/facts.js';
import type { Part } from '../part.js';
import { TIMINGS } from '../timings.js';
import { within } from '../deadline.js';
import { ndjson } from './ndjson.js';
import { StreamAudit, type RawEvent } from './stream-audit.js';

interface DockerEvent extends RawEvent {
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

/** The event's action ('die', 'health_status: healthy', 'connect', ...) and Docker's attributes. */
export interface ContainerEvent {
  action: string;
  attributes: Record<string, string>;
}

/** What the watcher asks Docker (dockerode's calls): the live stream, a closed window of the log, and Docker's clock. */
export interface EventSource {
  getEvents(options: { filters: Record<string, string[]>; since?: number; until?: number }): Promise<NodeJS.ReadableStream>;
  info(): Promise<{ SystemTime?: string }>;
}

export interface WatchOptions {
  /** Called whenever Docker says something happened to a container: look at it again. */
  onContainer: (id: string, event: ContainerEvent) => void;
  /** Called after each (re)connection: events may have been missed, so everything is re-listed. */
  onConnected: () => void;
  /** Wait before reconnecting, by attempt number (from 1); injectable for tests. */
  backoffMs?: (attempt: number) => number;
  /** How long a stream must stay up before the backoff starts over; injectable for tests. */
  stableAfterMs?: number;
  /** How often the stream is audited against Docker's event log (--events-audit; 0: never). */
  auditEveryMs: number;
  now?: () => number;
}

// Events after which a container's services may differ. exec_*, attach, top... are left out, and
// so are kill and stop: kill precedes die (and inspecting then waits for the teardown), stop follows it.
// Podman's compat API matches the filter against its own names (`died`, `remove`; measured on 4.3.1,
// docs/podman.md) though it sends `die` and `remove`: both engines' names are asked for, and dockerd
// takes names it does not know.
const EVENTS = ['start', 'die', 'died', 'destroy', 'remove', 'rename', 'pause', 'unpause', 'health_status', 'connect', 'disconnect'];
const FILTERS = { type: ['container', 'network'], event: EVENTS };
/** Podman reports a removal as `remove` where dockerd says `destroy`. */
const REMOVED = new Set(['destroy', 'remove']);

const defaultBackoff = (attempt: number) => Math.min(TIMINGS.eventReconnectMaxMs, TIMINGS.eventReconnectFirstMs * 2 ** (attempt - 1));

/** What a die or destroy event already says, so that Docker need not be asked (it may still be tearing down). */
export function stoppedHint(id: string, event: ContainerEvent): StoppedHint | undefined {
  const removed = REMOVED.has(event.action);
  if (event.action !== 'die' && !removed) return undefined;
  return { name: event.attributes.name ?? id, exitCode: Number(event.attributes.exitCode ?? 0), removed };
}

/**
 * What a start event already says: the container's name and labels (Docker puts the labels among
 * the event's attributes), enough to guess the service IDs it will ask for before inspecting it.
 */
export function startHint(event: ContainerEvent): { name: string; labels: Record<string, string> } | undefined {
  if (event.action !== 'start' || !event.attributes.name) return undefined;
  return { name: event.attributes.name, labels: event.attributes };
}

/** A network event's action: Docker sends a connect before every start and a disconnect after every die. */
export function networkHint(event: ContainerEvent): 'connect' | 'disconnect' | undefined {
  return event.action === 'connect' || event.action === 'disconnect' ? event.action : undefined;
}

/** A health_status event: the container's mirrored HEALTHCHECK should be read again at once. */
export function isHealthEvent(event: ContainerEvent): boolean {
  return event.action.startsWith('health_status');
}

/**
 * Follows Docker's event stream for as long as it runs. The stream has no timeout (it is quiet
 * when nothing happens); when it ends or fails it is reopened with backoff, and every reopening
 * triggers a full re-list, because the daemon replays only its last 256 events. A stream that is
 * dead without ending is found by the audit and reopened the same way.
 */
export class DockerEventWatcher implements Part {
  private stopped = false;
  private running: Promise<void> | undefined;
  private stream: NodeJS.ReadableStream | undefined;
  private wake: (() => void) | undefined;
  private readonly audit: StreamAudit;
  private readonly now: () => number;
  private auditTimer: NodeJS.Timeout | undefined;
  private auditing = false;
  /** Where the next audit window starts (ms): the end of the last one, or just after the stream opened. */
  private auditFrom = 0;

  constructor(
    private readonly docker: EventSource,
    private readonly options: WatchOptions,
    private readonly log: Logger,
  ) {
    // Remembered long enough for the next window (it starts where the last one ended) and a late audit.
    this.audit = new StreamAudit(2 * options.auditEveryMs + TIMINGS.eventAuditLagMs);
    this.now = options.now ?? Date.now;
  }

  /** Whether a stream is open now (/metrics' Docker up gauge). */
  get connected(): boolean {
    return this.stream !== undefined;
  }

  start(): void {
    this.running = this.run();
    if (this.options.auditEveryMs > 0) this.auditTimer = setInterval(() => void this.auditStream(), this.options.auditEveryMs);
  }

  /**
   * Asks Docker which events it logged since the last audit (up to a moment ago: the newest may
   * still be on their way) and reopens the stream if it missed any.
   */
  async auditStream(): Promise<void> {
    const stream = this.stream;
    const to = this.now() - TIMINGS.eventAuditLagMs;
    if (!stream || this.auditing || to <= this.auditFrom) return;
    this.auditing = true;
    try {
      // The window in Docker's clock, which may be off ours (a remote DOCKER_HOST): an `until` in
      // Docker's future would stream live events instead of ending.
      const skew = await this.dockerClockSkew();
      if (skew === undefined) return;
      const query = ({ since, until }: { since: number; until: number }) =>
        this.docker.getEvents({ filters: FILTERS, since: since + skew / 1000, until: until + skew / 1000 });
      const missed = await this.audit.missed(query, this.auditFrom, to, TIMINGS.eventAuditDeadlineMs);
      if (missed === undefined || stream !== this.stream) return;
      this.auditFrom = to;
      if (missed === 0) return;
      this.log.warn(
        { event: 'events-stale', missed },
        `Docker logged ${missed} container events the event stream never delivered: the stream is dead, reopening it`,
      );
      (stream as { destroy?: () => void }).destroy?.();
    } finally {
      this.auditing = false;
    }
  }

  /** How far Docker's clock is ahead of ours (ms); undefined when Docker does not say in time. */
  private async dockerClockSkew(): Promise<number | undefined> {
    const asked = this.now();
    const info = await within(
      this.docker.info().catch(() => undefined),
      TIMINGS.eventAuditDeadlineMs,
      undefined,
    );
    if (info === undefined) return undefined;
    const theirs = Date.parse(info.SystemTime ?? '');
    // Compared with the middle of the request: its own latency is not skew.
    return Number.isFinite(theirs) ? theirs - (asked + this.now()) / 2 : 0;
  }

  async run(): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      try {
        const stream = await this.docker.getEvents({ filters: FILTERS });
        this.stream = stream;
        this.auditFrom = this.now() + TIMINGS.eventAuditSkewMs;
        if (this.stopped) break;
        // The backoff starts over only once a stream has stayed up: a dockerd that accepts and drops
        // at once would otherwise cost a full pass every 250 ms.
        const stable = setTimeout(() => (attempt = 0), this.options.stableAfterMs ?? TIMINGS.eventStreamStableMs).unref();
        stream.once('close', () => clearTimeout(stable));
        this.log.info({ event: 'events-connected' }, 'following Docker events');
        this.options.onConnected();
        try {
          for await (const event of ndjson(stream as AsyncIterable<Buffer>)) this.dispatch(event as DockerEvent);
        } finally {
          this.stream = undefined; // nothing to audit until the next stream
        }
        if (!this.stopped) this.log.warn({ event: 'events-lost' }, 'Docker event stream ended; reconnecting');
      } catch (err) {
        if (this.stopped) break;
        this.log.warn(
          { event: 'events-lost', err: (err as Error).message },
          'Docker event stream failed; reconnecting (is dockerd running and DOCKER_HOST right?)',
        );
      }
      attempt++;
      await this.sleep((this.options.backoffMs ?? defaultBackoff)(attempt));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.auditTimer);
    (this.stream as { destroy?: () => void } | undefined)?.destroy?.();
    this.wake?.();
    await this.running;
  }

  private dispatch(event: DockerEvent): void {
    if (this.options.auditEveryMs > 0) this.audit.record(event, this.now());
    const attributes = event.Actor?.Attributes ?? {};
    // dockerd names the container of a network event in its attributes; Podman makes it the actor.
    const id = event.Type === 'network' ? (attributes.container ?? event.Actor?.ID) : event.Actor?.ID;
    if (id) this.options.onContainer(id, { action: event.Action ?? '', attributes: event.Type === 'network' ? {} : attributes });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
