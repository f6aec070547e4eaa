// Label text is written by container authors: shown to operators (logs, `plan`) only quoted, with
// control characters escaped and cut to a bounded length, so a label cannot forge or flood a line.
const MAX_SHOWN = 120;

/** A label value as it may appear in a message: JSON-quoted (escapes included) and cut. */
export function shown(value: string, max = MAX_SHOWN): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(cut).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Free text built from labels (an ID, a tag) made safe for a line of `plan`: control characters escaped. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
