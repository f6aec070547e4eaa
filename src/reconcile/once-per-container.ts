/**
 * Remembers which messages were already logged for each container, so that a bad label or a
 * refused registration is reported once, not on every event and every periodic pass.
 */
export class OncePerContainer {
  private readonly seen = new Map<string, Set<string>>();

  /** The messages not reported before for this container; the ones no longer current are forgotten. */
  fresh(containerId: string, messages: string[]): string[] {
    const before = this.seen.get(containerId) ?? new Set<string>();
    if (messages.length === 0) this.seen.delete(containerId);
    else this.seen.set(containerId, new Set(messages));
    return messages.filter((m) => !before.has(m));
  }
}
