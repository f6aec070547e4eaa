/**
 * How a SERVICE_CHECK_SCRIPT command runs. $SERVICE_IP and $SERVICE_PORT (or ${…}) are replaced
 * first, as Registrator does. A command written for a shell (a pipe, `&&`, a redirection, another
 * $VAR, a glob…: Registrator's users wrote `nc $SERVICE_IP $SERVICE_PORT | grep OK`, which Consul
 * ran through a shell) runs through the container's own /bin/sh; any other is split into
 * arguments (splitCommand) and run directly, with no shell needed in the image.
 */
export function commandArgv(command: string, vars: Record<string, string>): { argv: string[]; shell: boolean } | undefined {
  const text = substitute(command, vars);
  if (needsShell(text.trim())) return { argv: ['/bin/sh', '-c', text], shell: true };
  const argv = splitCommand(text, {});
  return argv && { argv, shell: false };
}

function substitute(command: string, vars: Record<string, string>): string {
  return command.replace(
    /\$(?:\{(SERVICE_IP|SERVICE_PORT)\}|(SERVICE_IP|SERVICE_PORT)\b)/g,
    (m, a?: string, b?: string) => vars[(a ?? b)!] ?? m,
  );
}

/** Whether a shell would read the command otherwise than splitCommand does: an operator, an expansion, a glob or a comment outside quotes. */
function needsShell(text: string): boolean {
  let quote: "'" | '"' | undefined;
  let wordStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
    } else if (c === '\\') {
      i++;
      wordStart = false;
    } else if (c === '$' || c === '`') {
      return true; // an expansion, in double quotes too
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
      wordStart = false;
    } else if ('|&;<>()*?[\n'.includes(c) || (wordStart && (c === '~' || c === '#'))) {
      return true;
    } else {
      wordStart = /\s/.test(c);
    }
  }
  return false;
}

/**
 * Splits a command into arguments, without a shell: words are separated by blanks; '…' keeps
 * everything literally; "…" keeps blanks and honours \" \\ \$; a backslash outside quotes escapes
 * the next character. $SERVICE_IP and $SERVICE_PORT are replaced; anything else with $ is left as written.
 */
export function splitCommand(command: string, vars: Record<string, string>): string[] | undefined {
  const text = substitute(command, vars);
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
