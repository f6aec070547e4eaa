/**
 * The promise's value, or `late` when it has not settled within `ms`; the timer never outlives
 * the race. A rejection passes through: what a failure means is the caller's to say.
 */
export async function within<T, L>(promise: Promise<T>, ms: number, late: L): Promise<T | L> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<L>((resolve) => (timer = setTimeout(() => resolve(late), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
