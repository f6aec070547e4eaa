// Label text is written by container authors: shown to operators (logs, `plan`) only quoted, with
// control characters escaped and cut to a bounded length, so a label cannot forge or flood a line.
const MAX_SHOWN = 120;

/**
 * Characters a terminal or a log viewer would act on rather than show: C0 and C1 controls, line and
 * paragraph separators, and the invisible and bidirectional formatting marks (which can make a line
 * read backwards).
 */
export const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

const escape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** A label value as it may appear in a message: JSON-quoted (escapes included) and cut. */
export function shown(value: string, max = MAX_SHOWN): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(cut).replace(UNPRINTABLE, escape);
}

/** Free text built from labels (an ID, a tag) made safe for a line of `plan`: those characters escaped. */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, escape);
}
