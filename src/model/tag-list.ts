// SERVICE_TAGS as the fayrus/registrator fork splits it, after filling its template in: at each comma,
// except one written "\," which stays in the tag as a plain comma. Pieces are trimmed and empty ones dropped.

/** The tags of one SERVICE_TAGS value, in the order written. */
export function splitTags(value: string): string[] {
  return tagPieces(value)
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

/** The pieces between unescaped commas, as written (spaces and empty pieces kept). */
export function tagPieces(value: string): string[] {
  const pieces: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\' && value[i + 1] === ',') {
      current += ',';
      i++;
    } else if (c === ',') {
      pieces.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  pieces.push(current);
  return pieces;
}
