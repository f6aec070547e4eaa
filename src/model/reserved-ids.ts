// Service IDs of the shapes the registrar makes itself: the defaults `<host-id>:<container>:<port>[:udp]`
// and the IDs it derives from another (`:<port>` after a shared SERVICE_ID, `-sidecar-proxy`, `:alias:<name>`). A label
// that asked for one could take another container's ID before that container starts, so none may.
// Compared regardless of case, as Consul's catalog compares IDs. Pure.

/** What a sidecar's ID adds to its app's (Consul's own scheme, which `-sidecar-for` finds). */
export const SIDECAR_SUFFIX = '-sidecar-proxy';
/** What an alias's ID adds to its primary's, before the alias in lower case (model/aliases.ts). */
export const ALIAS_INFIX = ':alias:';

// The endings the registrar adds: a port, a protocol, a sidecar, an alias (a DNS-safe name).
const DERIVED_ENDING = /(:\d{1,5}|:udp|:sctp|-sidecar-proxy|:alias:[a-z0-9-]+)$/i;
// What follows `<host-id>:<container>:` in a default ID, in the sidecar of one or in an alias of one.
const DEFAULT_TAIL = /^\d{1,5}(:udp|:sctp)?(-sidecar-proxy|:alias:[a-z0-9-]+)?$/i;

/**
 * Why a label may not ask for this ID (a phrase naming whose ID it would take, and the fix), or
 * undefined when it may. The caller lets a container name its own default ID.
 */
export function reservedIdProblem(asked: string, hostId: string): string | undefined {
  const namespace = `${hostId}:`;
  if (asked.toLowerCase().startsWith(namespace.toLowerCase())) {
    const victim = asked.slice(namespace.length).split(':')[0] ?? '';
    const whose = victim === '' ? 'a container' : `container ${JSON.stringify(victim)}`;
    return (
      `starts with "${namespace}", where the default IDs of this host's containers live (it is shaped as the ID of ${whose}); ` +
      `choose an ID that does not start with "${namespace}"`
    );
  }
  const ending = DERIVED_ENDING.exec(asked)?.[0];
  if (ending === undefined) return undefined;
  const base = asked.slice(0, -ending.length);
  const derived =
    ending.toLowerCase() === SIDECAR_SUFFIX
      ? `the sidecar of service ID "${base}"`
      : ending.toLowerCase().startsWith(ALIAS_INFIX)
        ? `an alias of service ID "${base}"`
        : `a port of service ID "${base}"`;
  return (
    `ends in "${ending}", as the IDs the registrar derives do (it is shaped as ${derived}); ` +
    'choose an ID that does not end in :<port>, :udp, :sctp, -sidecar-proxy or :alias:<name>'
  );
}

/** Whether this ID is one of the container's own default IDs, or the sidecar or an alias of one. */
export function isDefaultIdOf(id: string, hostId: string, containerName: string): boolean {
  const prefix = `${hostId}:${containerName}:`.toLowerCase();
  return id.toLowerCase().startsWith(prefix) && DEFAULT_TAIL.test(id.slice(prefix.length));
}
