// SERVICE_TAGS as both Registrators split it: at each comma, except one written "\," which stays in
// the tag as a plain comma. Pieces are trimmed and empty ones dropped, as for every list here.

/** The tags of one SERVICE_TAGS value, in the order written. */
export function splitTags(value: string): string[] {
  const tags: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\' && value[i + 1] === ',') {
      current += ',';
      i++;
    } else if (c === ',') {
      tags.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  tags.push(current);
  return tags.map((t) => t.trim()).filter((t) => t !== '');
}
