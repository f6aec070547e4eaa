/** Time as the check machinery sees it: the real one, or a test's that it moves by hand. */
export interface Clock {
  now(): number;
  /** Calls `fn` after `ms`; the handle cancels it. Unref'd: a pending timer never keeps the process up. */
  after(ms: number, fn: () => void): { cancel(): void };
}

export const realClock: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};
