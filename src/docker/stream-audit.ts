import { ndjson } from './ndjson.js';
import { within } from '../deadline.js';

/** An event as Docker sends it, on the stream and in a bounded query alike. */
export interface RawEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string };
  timeNano?: number;
}

/** A finite query of Docker's event log (since/until in Unix seconds; Docker takes fractions too). */
export type EventQuery = (window: { since: number; until: number }) => Promise<NodeJS.ReadableStream>;

const keyOf = (e: RawEvent) => `${e.timeNano ?? ''}|${e.Type ?? ''}|${e.Actor?.ID ?? ''}|${e.Action ?? ''}`;

/**
 * Tells a dead event stream from a quiet one without guessing from silence: every so often Docker
 * is asked which events it logged in a closed window, and any the stream never delivered means the
 * stream is dead (a half-open TCP connection to a dockerd that restarted elsewhere, say). A quiet
 * stream with nothing logged is left alone.
 */
export class StreamAudit {
  /** Events the stream delivered, by key, with when they arrived (ms), pruned after `keepMs`. */
  private readonly seen = new Map<string, number>();

  constructor(private readonly keepMs: number) {}

  record(event: RawEvent, now: number): void {
    if (this.seen.size >= MAX_REMEMBERED) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(keyOf(event), now);
  }

  /**
   * How many events Docker logged between `fromMs` and `toMs` that the stream did not deliver;
   * undefined when Docker did not answer within `deadlineMs` (no verdict: a hung dockerd is
   * /healthz's to report, not a reason to reconnect).
   */
  async missed(query: EventQuery, fromMs: number, toMs: number, deadlineMs: number): Promise<number | undefined> {
    // Never a window longer than what is remembered (audits that got no answer leave it growing).
    fromMs = Math.max(fromMs, toMs - this.keepMs);
    for (const [key, at] of this.seen) {
      if (at >= toMs - this.keepMs) break; // in arrival order: the rest are newer
      this.seen.delete(key);
    }
    let stream: NodeJS.ReadableStream | undefined;
    const count = (async () => {
      stream = await query({ since: seconds(fromMs), until: seconds(toMs) });
      let missing = 0;
      for await (const event of ndjson(stream as AsyncIterable<Buffer>)) if (!this.seen.has(keyOf(event as RawEvent))) missing++;
      return missing;
    })();
    try {
      return await within(count, deadlineMs, undefined);
    } catch {
      return undefined;
    } finally {
      (stream as { destroy?: () => void } | undefined)?.destroy?.();
      count.catch(() => undefined);
    }
  }
}

// A flood of events must not grow memory without bound; an audit over a forgotten event only reconnects once.
const MAX_REMEMBERED = 50_000;

const seconds = (ms: number) => Math.round(ms) / 1000;
