/**
 * A running piece of the registrar that owns its timers and streams: registrar.ts starts the parts
 * in order and stops them in reverse, and knows nothing of what each one does inside.
 */
export interface Part {
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
}
