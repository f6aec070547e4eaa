/**
 * `plan` run inside the registrar's container (`docker exec <registrar> consul-registrar plan`) sees
 * the container's environment but not the flags the registrar was started with: those are PID 1's
 * arguments. Its own come after them, so they win; PID 1's command (`run`) is left out.
 */
export function planArgs(own: string[], registrar: string[] | undefined): string[] {
  if (!registrar) return own;
  // `run` is the command unless it is the value of the flag before it (`--host-id run`).
  const flags = registrar.filter((word, i) => {
    if (word !== 'run') return true;
    const before = registrar[i - 1];
    return before !== undefined && before.startsWith('-') && !before.includes('=');
  });
  return [...flags, ...own];
}
