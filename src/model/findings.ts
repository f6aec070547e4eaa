/**
 * What the registrar refused, dropped, skipped or changed for a container, as one record: a stable
 * `code` an operator looks up in docs/findings.md (and tests assert), what it concerns, one line for
 * a person and the fix. The same record reaches the log, `plan`, `plan --json` and the metric of
 * containers by code, so the four never disagree.
 */
export interface Finding {
  /** Stable, kebab-case, never reworded: the page docs/findings.md has a heading per code. */
  code: string;
  /** The container-side port the finding is about, when it is about one service. */
  port?: string;
  /** The label or environment key the finding is about, when one is. */
  label?: string;
  /** One line for a person, naming the value as shown (never a token). */
  text: string;
  /** What to change, and who: the container's author or the operator. */
  fix?: string;
}
