/**
 * "Did you mean": the known name one edit (an insertion, a deletion, a changed letter or two
 * neighbours swapped) from a mistyped one, the usual typo; farther names are guesses, not offered.
 */
export function nearestName(name: string, known: Iterable<string>): string | undefined {
  for (const candidate of known) if (oneEditApart(name, candidate)) return candidate;
  return undefined;
}

export function oneEditApart(a: string, b: string): boolean {
  if (a === b || Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  if (a.length === b.length) {
    const swapped = a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
    return swapped || a.slice(i + 1) === b.slice(i + 1);
  }
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}
