// Every finding code the registrar uses, with what it means, who acts on it and how. The one table
// docs/findings.md, the log, `plan` and the metric of containers by code are checked against.
import type { Finding } from './findings.js';

/** Who changes something: the container's author (labels, image) or the operator (flags, Consul). */
export type Actor = 'container author' | 'operator';

/** warn: something asked for was refused or changed; info: a container deliberately not registered. */
export type FindingLevel = 'warn' | 'info' | 'debug';

export interface CodeInfo {
  meaning: string;
  actor: Actor;
  fix: string;
  level: FindingLevel;
}

const author = 'container author';
const operator = 'operator';

const code = (level: FindingLevel, actor: Actor, meaning: string, fix: string): CodeInfo => ({ meaning, actor, fix, level });

export const FINDING_CODES = {
  // Reading SERVICE_* settings
  'setting-too-long': code('warn', author, 'A SERVICE_* key or value is too long to read; it is ignored.', 'shorten the label or variable'),
  'too-many-settings': code(
    'warn',
    author,
    'More SERVICE_* labels and variables than one container may have; the rest are ignored.',
    'remove unused SERVICE_* keys',
  ),
  'unknown-key': code(
    'warn',
    author,
    'A SERVICE_* key one typo from a known setting; it becomes service Meta, as with Registrator.',
    'correct the key to the setting it was meant to be',
  ),
  // Whether and where the container is registered
  'not-running': code(
    'debug',
    author,
    'The container is not running; nothing is registered for it.',
    'none: it is registered when it runs',
  ),
  'plan-failed': code(
    'warn',
    author,
    'Its SERVICE_* settings could not be planned at all; nothing is registered for it.',
    'change the SERVICE_* settings named in the message',
  ),
  'service-ignored': code(
    'info',
    author,
    'SERVICE_IGNORE is set; the container is not registered.',
    'remove SERVICE_IGNORE to register it',
  ),
  'ignore-not-boolean': code(
    'warn',
    author,
    'A SERVICE_IGNORE value is neither true nor false; it is taken as true.',
    'write SERVICE_IGNORE=true or remove it',
  ),
  'no-ports': code(
    'info',
    author,
    'The container exposes no port and has no SERVICE_PORTS; nothing is registered.',
    'add EXPOSE to the image, or the label SERVICE_PORTS=8080',
  ),
  'service-ports-entry-refused': code(
    'warn',
    author,
    'A SERVICE_PORTS entry is not a port; it is left out.',
    'write e.g. SERVICE_PORTS=8080,53/udp',
  ),
  'too-many-ports': code(
    'warn',
    author,
    'More ports than --max-services; only the lowest are registered.',
    'expose only the ports that serve (or set SERVICE_<port>_IGNORE), or ask the operator to raise --max-services',
  ),
  'explicit-unnamed': code(
    'info',
    author,
    'With --explicit only services given a SERVICE_NAME are registered, and it has none.',
    'set SERVICE_NAME to register it',
  ),
  'every-port-ignored': code(
    'info',
    author,
    'Every port is ignored (SERVICE_<port>_IGNORE) or refused; nothing is registered.',
    'see the port findings, or remove SERVICE_<port>_IGNORE',
  ),
  'rootless-network': code(
    'warn',
    operator,
    "A rootless engine's container networks are not reachable from other hosts; nothing is registered.",
    'run the container with --network host, or on a rootful engine',
  ),
  'host-ip-unknown': code(
    'warn',
    operator,
    'A host-network container, and the host address is unknown; nothing is registered.',
    'set --host-ip',
  ),
  'no-address': code('info', author, 'The container is on no network with an IP address; nothing is registered.', 'attach it to a network'),
  'service-network-unknown': code(
    'warn',
    author,
    'SERVICE_NETWORK names a network the container is not on; nothing is registered.',
    'name one of its networks in SERVICE_NETWORK',
  ),
  'several-networks': code(
    'warn',
    author,
    'The container is on several networks and none was chosen; the first by name is used.',
    'set the SERVICE_NETWORK label (or the operator sets --network)',
  ),
  'service-ip-refused': code(
    'warn',
    author,
    "SERVICE_IP is not an address the registrar registers; the container's own address is used.",
    "set SERVICE_IP to an address in the container's own networks, or remove it",
  ),
  'ip-family-unknown': code(
    'warn',
    author,
    'SERVICE_IP_FAMILY is not 4, 6, ipv4 or ipv6; --ip-family applies.',
    'write SERVICE_IP_FAMILY=6 for the IPv6 address',
  ),
  // Names, IDs, tags and Meta
  'service-name-empty': code(
    'warn',
    author,
    'The service name has nothing Consul DNS can serve; the port is not registered.',
    'set SERVICE_NAME to letters, digits and dashes',
  ),
  'service-name-rewritten': code(
    'warn',
    author,
    'The service name is not DNS-safe; it is registered under a DNS-safe form.',
    'set SERVICE_NAME to letters, digits and dashes',
  ),
  'service-name-reserved': code(
    'warn',
    operator,
    'The name policy (--name-policy) refuses this service name for this container; the port is not registered.',
    'choose another SERVICE_NAME, or ask the operator to change the name policy',
  ),
  'sidecar-name-reserved': code(
    'warn',
    operator,
    "The name policy refuses the sidecar's name; the service is registered without a sidecar.",
    'choose another SERVICE_NAME, or ask the operator to change the name policy',
  ),
  'tag-reserved': code(
    'warn',
    operator,
    'The name policy reserves this tag for other containers; it is left out.',
    'remove the tag, or ask the operator to change the name policy',
  ),
  'tag-refused': code(
    'warn',
    author,
    'A tag is too long or holds control characters or formatting marks; it is left out.',
    'shorten the tag to printable characters',
  ),
  'too-many-tags': code(
    'warn',
    author,
    'More tags than a service may have; the rest are left out.',
    'keep SERVICE_TAGS to the tags that are used',
  ),
  'service-id-refused': code(
    'warn',
    author,
    'SERVICE_ID is one Consul could never deregister (too long, or a character a URL path changes); the default ID is used.',
    'use letters, digits and - _ . : in at most 128 characters',
  ),
  'service-id-reserved': code(
    'warn',
    author,
    'SERVICE_ID has a shape only the registrar makes (a default ID, a port or sidecar ending); the default ID is used.',
    "choose an ID not shaped as the registrar's own",
  ),
  'duplicate-service-id': code(
    'warn',
    author,
    "Two of the container's services would share one ID; nothing is registered for it.",
    'give each port its own SERVICE_<port>_ID',
  ),
  'service-id-claimed': code(
    'warn',
    author,
    'Another container asks for the same service ID and keeps it.',
    'give each container its own SERVICE_ID',
  ),
  'service-id-held': code(
    'warn',
    author,
    'A running container of this registrar already holds this service ID; it keeps it.',
    'give each container its own SERVICE_ID',
  ),
  'foreign-id': code(
    'warn',
    author,
    'The agent has this service ID from another tool or host ID; it is never overwritten, and the port is not registered.',
    'give the container its own SERVICE_ID',
  ),
  'registrator-id': code(
    'warn',
    operator,
    "The agent has Registrator's registration of this container under this ID; the port is not registered.",
    'run with --replace-registrator to take it over',
  ),
  'registrator-adopted': code(
    'info',
    operator,
    "Registrator's registration of this container under the same ID is taken over in place, " +
      "under this registrar's Meta; its checks start with the status Registrator's had.",
    'nothing to do: with --replace-registrator=false it would be left alone',
  ),
  'registrator-entry-replaced': code(
    'info',
    operator,
    "Registrator's registration of this container under another ID is removed once this registrar's service for that port answers in DNS.",
    'nothing to do',
  ),
  'registrator-entry-kept': code(
    'warn',
    operator,
    "Registrator's registration of this container under another ID stays: --replace-registrator is off, or nothing is registered here for that port.",
    'run with --replace-registrator, or register the port',
  ),
  'default-id-taken-back': code(
    'warn',
    author,
    "The container's own default ID was held by another running container through a SERVICE_ID label; it is registered for its owner now.",
    "fix the other container's SERVICE_ID",
  ),
  'check-field-unsupported': code(
    'warn',
    operator,
    "A check field the agent's Consul version does not accept is left out of the registration.",
    'upgrade Consul to use it',
  ),
  'meta-key-refused': code(
    'warn',
    author,
    'A SERVICE_* key cannot be Consul service Meta (its characters, or a reserved prefix); it is left out.',
    'use letters, digits, _ and -, not starting with registrar_ or consul-',
  ),
  'meta-value-too-long': code(
    'warn',
    author,
    "A SERVICE_* value is longer than Consul's 512 characters for a Meta value; it is left out.",
    'shorten the value',
  ),
  'too-many-meta': code(
    'warn',
    author,
    "More SERVICE_* Meta keys than Consul's 64; the rest are left out.",
    'remove unused SERVICE_* keys',
  ),
  // Checks
  'check-path-refused': code(
    'warn',
    author,
    "An HTTP(S) check label is not a path on the service's own address and port; the check is left out.",
    'write a path, e.g. SERVICE_CHECK_HTTP=/health',
  ),
  'check-method-refused': code(
    'warn',
    operator,
    'An HTTP check method is not one --check-http-methods allows; the check uses GET.',
    'use an allowed method, or ask the operator to allow it',
  ),
  'grpc-service-refused': code(
    'warn',
    author,
    'SERVICE_CHECK_GRPC is neither true nor a gRPC service name; the gRPC check is left out.',
    'write true, or a service name of letters, digits, . _ -',
  ),
  'duration-refused': code(
    'warn',
    author,
    'A check duration is not one Consul accepts (or zero where it must be more); a default applies.',
    'write a Go duration, e.g. 10s or 1m30s',
  ),
  'count-not-number': code('warn', author, 'A check count is not a whole number; it is ignored.', 'write a whole number, e.g. 3'),
  'initial-status-refused': code(
    'warn',
    author,
    'SERVICE_CHECK_INITIAL_STATUS is not passing, warning or critical; it is ignored.',
    'write passing, warning or critical',
  ),
  'tls-server-name-refused': code(
    'warn',
    author,
    'SERVICE_CHECK_TLS_SERVER_NAME is not a host name; it is ignored.',
    'write a host name, e.g. api.internal',
  ),
  'flag-not-boolean': code(
    'warn',
    author,
    'A check setting that is true or false holds neither; it is taken as false.',
    'write true or false',
  ),
  'script-checks-disabled': code(
    'warn',
    operator,
    'A script check asks for a command inside the container, which needs --enable-script-checks; it is left out.',
    'ask the operator for --enable-script-checks, or use an HTTP or TCP check',
  ),
  'script-command-unparsable': code(
    'warn',
    author,
    'A script check command cannot be split into arguments (an unclosed quote, or empty); it is left out.',
    'close the quotes, or write the command without them',
  ),
  'script-key-ignored': code(
    'warn',
    author,
    'More than one of SERVICE_CHECK_SCRIPT, _CMD and _DOCKER; only the first is used.',
    'keep one script check key',
  ),
  'script-timeout-cut': code(
    'warn',
    author,
    'SERVICE_CHECK_TIMEOUT is longer than the interval; the check is stopped at the interval.',
    'make the timeout at most the interval',
  ),
  'healthcheck-interval-clamped': code(
    'warn',
    author,
    "The image's HEALTHCHECK interval is outside what the registrar follows; its mirror uses the nearest bound.",
    'give HEALTHCHECK --interval a value between 1 s and 24 h',
  ),
  'check-critical': code(
    'warn',
    author,
    'The service is registered but its check on the agent is critical, so Consul DNS leaves it out until the check passes.',
    "read the check's output, which says why it fails",
  ),
  // Connect
  'connect-mode-unknown': code(
    'warn',
    author,
    'SERVICE_CONNECT is not sidecar or native; the service is registered without Connect.',
    'write SERVICE_CONNECT=sidecar or native',
  ),
  'connect-disabled': code(
    'warn',
    operator,
    'SERVICE_CONNECT is set but the Consul agent has Connect disabled; registered without Connect.',
    'the operator enables Connect on the agent (connect { enabled = true })',
  ),
  'too-many-sidecars': code(
    'warn',
    author,
    'The container already has the most sidecars one container may have; this service has none.',
    'ask for sidecars only on the ports that serve the mesh',
  ),
  'sidecar-id-refused': code(
    'warn',
    author,
    "The sidecar's service ID would be one Consul cannot use; no sidecar is registered.",
    'choose a shorter SERVICE_ID',
  ),
  'sidecar-port-refused': code(
    'warn',
    author,
    'SERVICE_CONNECT_PORT is not a port number; no sidecar is registered.',
    'write a port number, e.g. SERVICE_CONNECT_PORT=21000',
  ),
  'sidecar-port-taken': code(
    'warn',
    author,
    'The sidecar port is already used by this container; no sidecar is registered.',
    'give each sidecar its own SERVICE_<port>_CONNECT_PORT',
  ),
  'too-many-upstreams': code(
    'warn',
    author,
    'More SERVICE_CONNECT_UPSTREAMS than a sidecar may have; only the first are kept.',
    'keep the upstreams the service uses',
  ),
  'upstream-refused': code(
    'warn',
    author,
    'A SERVICE_CONNECT_UPSTREAMS entry is malformed or takes a used port; it is left out.',
    'write name:port or name@datacenter:port, on a port of its own',
  ),
  'proxy-no-gateway': code(
    'warn',
    operator,
    'The network has no gateway to reach the Consul agent through; no proxy container is started.',
    'the operator sets --connect-proxy-consul-addr',
  ),
  'sidecar-parent-refused': code(
    'warn',
    author,
    "The sidecar's own service was refused, so the sidecar is not registered either.",
    'fix the finding about its service',
  ),
  // Swarm tasks
  'swarm-overlay-skipped': code(
    'warn',
    operator,
    "A Swarm task's only address is on an overlay network, which other hosts do not reach; it is not registered.",
    'attach the service to a routable swarm-scoped macvlan or ipvlan network, or the operator sets --swarm-overlay',
  ),
  // Tagged addresses, weights and the Registrator fork's keys
  'tagged-addresses-not-boolean': code(
    'warn',
    author,
    'SERVICE_TAGGED_ADDRESSES is neither on nor off; the tagged addresses are registered.',
    'write SERVICE_TAGGED_ADDRESSES=off to leave them out, or remove the label',
  ),
  'wan-address-refused': code(
    'warn',
    author,
    "SERVICE_WAN_ADDRESS is not ip:port, or its address is one SERVICE_IP's policy refuses; the published port, if any, is used.",
    'write ip:port ([ipv6]:port) with an address of the host or of the container networks',
  ),
  'weight-refused': code(
    'warn',
    author,
    'SERVICE_WEIGHT_PASSING is not a whole number from 1 to 65535, or SERVICE_WEIGHT_WARNING one from 0 to 65535; 1 is used.',
    'write a whole number in that range',
  ),
  'tag-override-not-boolean': code(
    'warn',
    author,
    'SERVICE_ENABLE_TAG_OVERRIDE is neither true nor false; tags are not left to others.',
    'write SERVICE_ENABLE_TAG_OVERRIDE=true or remove the label',
  ),
  'port-range-refused': code(
    'warn',
    author,
    'A SERVICE_<N>-<M>_* key names no range of ports from 1 to 65535 (low to high), or a key other than IGNORE; it is ignored.',
    'write SERVICE_<low>-<high>_IGNORE=true with both ports from 1 to 65535',
  ),
  'tag-template-unsupported': code(
    'warn',
    author,
    'A tag holds a {{ }} field other than .Name, .Config.Hostname, .Config.Image or index .Config.Labels "key"; it is kept as written.',
    'use only those four fields, or remove the braces',
  ),
  // Running script checks (told when a check runs, so not in `plan`)
  'script-check-no-shell': code(
    'warn',
    author,
    'A script check written for a shell (a pipe, &&, a redirection, a $VARIABLE...) runs in an image with no /bin/sh; it stays critical.',
    'write it as one plain command, or give the image a shell',
  ),
  'script-executor-fallback': code(
    'info',
    operator,
    "--script-executor nsenter must not run this container's script checks (the line's reason says why); they run through Docker exec.",
    'nothing is needed for the checks to run; to run them through nsenter, remove the reason given',
  ),
  'alias-refused': code(
    'warn',
    author,
    'An alias in SERVICE_ALIASES is not DNS-safe or is reserved by the name policy; the service and its other aliases stay.',
    'write aliases of letters, digits and dashes (up to 63), that the name policy allows this container',
  ),
  'too-many-aliases': code(
    'warn',
    author,
    'A port asks for more aliases than one port may have, or more than --max-services leaves room for; the rest are left out.',
    'ask for fewer aliases, or (the operator) raise --max-services',
  ),
  'alias-primary-refused': code(
    'warn',
    author,
    "The alias's own service was refused, so the alias is not registered either.",
    'fix the finding about its service',
  ),
} as const satisfies Record<string, CodeInfo>;

export type FindingCode = keyof typeof FINDING_CODES;

export interface About {
  port?: number | string;
  label?: string;
  /** Overrides the table's fix when the value at hand gives a better one. */
  fix?: string;
}

/** A finding with its code's fix unless a more specific one is given. */
export function finding(code: FindingCode, text: string, about: About = {}): Finding {
  return {
    code,
    ...(about.port === undefined ? {} : { port: String(about.port) }),
    ...(about.label === undefined ? {} : { label: about.label }),
    text,
    fix: about.fix ?? FINDING_CODES[code].fix,
  };
}

/** The level a finding is logged at (unknown codes, which the table test rules out, as warnings). */
export function findingLevel(code: string): FindingLevel {
  return (FINDING_CODES as Record<string, CodeInfo>)[code]?.level ?? 'warn';
}

/** One finding per code, port, label and text: several ports' identical findings are one. */
export function distinctFindings(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = JSON.stringify([f.code, f.port, f.label, f.text]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
