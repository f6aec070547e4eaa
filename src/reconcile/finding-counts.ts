/**
 * How many running containers have each finding code now, kept as each sync reports a container's
 * codes: what /metrics shows as registrar_containers_with_finding.
 */
export class FindingCounts {
  private readonly byContainer = new Map<string, ReadonlySet<string>>();
  private readonly counts = new Map<string, number>();

  /** This container's codes now; returns the counts that changed. */
  set(containerId: string, codes: string[]): Map<string, number> {
    const before = this.byContainer.get(containerId) ?? new Set<string>();
    const after = new Set(codes);
    if (after.size > 0) this.byContainer.set(containerId, after);
    else this.byContainer.delete(containerId);
    const changed = new Map<string, number>();
    for (const code of before) if (!after.has(code)) changed.set(code, this.add(code, -1));
    for (const code of after) if (!before.has(code)) changed.set(code, this.add(code, 1));
    return changed;
  }

  /** Forgets the containers not among these (gone); returns the counts that changed. */
  prune(present: ReadonlySet<string>): Map<string, number> {
    const changed = new Map<string, number>();
    for (const id of [...this.byContainer.keys()]) {
      if (!present.has(id)) for (const [code, n] of this.set(id, [])) changed.set(code, n);
    }
    return changed;
  }

  private add(code: string, by: number): number {
    const n = (this.counts.get(code) ?? 0) + by;
    this.counts.set(code, n);
    return n;
  }
}
