/**
 * Splits a SERVICE_CHECK_SCRIPT command into arguments, without a shell: words are separated by
 * blanks; '…' keeps everything literally; "…" keeps blanks and honours \" \\ \$; a backslash outside
 * quotes escapes the next character. $SERVICE_IP and $SERVICE_PORT (or ${…}) are replaced first,
 * as Registrator does; anything else with $ is left as written. A command that wants a shell asks
 * for one: `sh -c 'curl -sf localhost/health || exit 2'`.
 */
export function splitCommand(command: string, vars: Record<string, string>): string[] | undefined {
  const text = command.replace(
    /\$(?:\{(SERVICE_IP|SERVICE_PORT)\}|(SERVICE_IP|SERVICE_PORT)\b)/g,
    (m, a?: string, b?: string) => vars[(a ?? b)!] ?? m,
  );
  const args: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && '"\\$'.includes(text[i + 1] ?? '-')) word += text[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 >= text.length) return undefined;
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) args.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) return undefined;
  if (inWord) args.push(word);
  return args.length > 0 ? args : undefined;
}
