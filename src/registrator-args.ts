import { ConfigError } from './config-error.js';

/**
 * Registrator's command line (gliderlabs/registrator, Go flags: one or two dashes, `-flag value` or
 * `-flag=value`, and the backend URI as the one positional) turned into this registrar's own, so a
 * host switches by changing the image and nothing else. Each Registrator flag maps to its
 * equivalent, or is accepted with a note saying what happens instead.
 */
/** One line logged at start: what a Registrator flag does here; `flag` is the log's stable field. */
export interface Note {
  /** The flag (or, for the TLS variables, the backend) the note is about, as written: `-internal`, `--replace-registrator`. */
  flag: string;
  text: string;
}

export interface Translated {
  args: string[];
  notes: Note[];
  /** Environment variables Registrator reads under other names, to be used unless ours are set. */
  env: Record<string, string>;
}

/** Registrator's flags that take a value, and ours for it. */
const RENAMED: Record<string, string> = {
  hostname: 'host-id',
  ip: 'host-ip',
  resync: 'resync',
  tags: 'tags',
  deregister: 'deregister',
  ttl: 'ttl',
  'ttl-refresh': 'ttl-refresh',
  useIpFromLabel: 'ip-from-label',
};

/** Registrator's flags with no counterpart here, with what the registrar does instead. */
const ACCEPTED: Record<string, { takesValue: boolean; note: string }> = {
  internal: {
    takesValue: false,
    note: '-internal: nothing to change, every container is registered under its own address and container-side ports',
  },
  cleanup: {
    takesValue: false,
    note: '-cleanup: nothing to change, services this registrar owns are removed as soon as their container is gone',
  },
  'retry-attempts': {
    takesValue: true,
    note: '-retry-attempts: ignored, Docker and Consul are retried without end, backing off up to 15 s',
  },
  'retry-interval': {
    takesValue: true,
    note: '-retry-interval: ignored, Docker and Consul are retried without end, backing off up to 15 s',
  },
  // The fayrus/registrator fork's way to ask for what this registrar always does.
  'ip-from-container': {
    takesValue: false,
    note: "-ip-from-container: nothing to change, every container is registered under its own address (the fork's flag)",
  },
};

/**
 * `ownTakesValue`: whether one of this registrar's own flags takes a value, so that value (a URL,
 * say) is passed through untouched rather than read as Registrator's backend URI.
 */
export function translateRegistratorArgs(argv: string[], env: NodeJS.ProcessEnv, ownTakesValue: (name: string) => boolean): Translated {
  const out: Translated = { args: [], notes: [], env: {} };
  let backend = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const flag = /^--?([A-Za-z][A-Za-z-]*)(?:=(.*))?$/.exec(arg);
    if (!flag) {
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(arg)) {
        merge(out, backendArgs(arg, env));
        backend = true;
      } else out.args.push(arg); // a command: run, plan, healthcheck
      continue;
    }
    const [, name = '', inline] = flag;
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new ConfigError(`${arg} needs a value`);
      return v;
    };
    if (name === 'h' || name === 'help') out.args.push('--help');
    else if (name === 'version') out.args.push('--version');
    else if (RENAMED[name]) out.args.push(`--${RENAMED[name]}=${value()}`);
    else if (name === 'explicit') out.args.push(inline === undefined ? '--explicit' : `--explicit=${inline}`);
    else if (ACCEPTED[name]) {
      const { takesValue, note } = ACCEPTED[name];
      if (takesValue) value();
      if (inline !== 'false') out.notes.push({ flag: `-${name}`, text: note });
    } else {
      out.args.push(arg);
      if (arg.startsWith('--') && inline === undefined && ownTakesValue(name) && i + 1 < argv.length) out.args.push(argv[++i]!);
    }
  }
  if (backend) takeOverByDefault(out, env);
  return out;
}

/**
 * A backend URI is Registrator's command line: this host is switching, and Registrator's entries
 * would otherwise stay (it leaves them when it stops) and hold our IDs. Unless the operator said
 * either way, the takeover is on.
 */
function takeOverByDefault(out: Translated, env: NodeJS.ProcessEnv): void {
  if (env.REGISTRAR_REPLACE_REGISTRATOR !== undefined || out.args.some((a) => /^--?replace-registrator(=|$)/.test(a))) return;
  out.args.push('--replace-registrator');
  out.notes.push({
    flag: '--replace-registrator',
    text:
      "Registrator's command line: --replace-registrator is on, so Registrator's registrations of running containers are taken over " +
      '(--replace-registrator=false or REGISTRAR_REPLACE_REGISTRATOR=false turns it off)',
  });
}

function merge(into: Translated, from: Translated): void {
  into.args.push(...from.args);
  into.notes.push(...from.notes);
  Object.assign(into.env, from.env);
}

/** Registrator's backend URI: Consul's three forms, here as --consul-addr; any other backend is an error. */
function backendArgs(uri: string, env: NodeJS.ProcessEnv): Translated {
  const url = (() => {
    try {
      return new URL(uri);
    } catch {
      throw new ConfigError(`"${uri}" is not a backend URI: write consul://host:port, as for Registrator`);
    }
  })();
  switch (url.protocol) {
    case 'consul:':
      return { args: [`--consul-addr=${url.host || '127.0.0.1:8500'}`], notes: [], env: {} };
    case 'consul-tls:': {
      // Registrator reads its certificates from CONSUL_CACERT, CONSUL_TLSCERT and CONSUL_TLSKEY.
      const renamed: Record<string, string> = {};
      if (env.CONSUL_TLSCERT && !env.CONSUL_CLIENT_CERT) renamed.CONSUL_CLIENT_CERT = env.CONSUL_TLSCERT;
      if (env.CONSUL_TLSKEY && !env.CONSUL_CLIENT_KEY) renamed.CONSUL_CLIENT_KEY = env.CONSUL_TLSKEY;
      const notes =
        Object.keys(renamed).length > 0
          ? [
              {
                flag: 'consul-tls://',
                text: "CONSUL_TLSCERT / CONSUL_TLSKEY (Registrator's names) read as CONSUL_CLIENT_CERT / CONSUL_CLIENT_KEY",
              },
            ]
          : [];
      return { args: [`--consul-addr=https://${url.host || '127.0.0.1:8501'}`], notes, env: renamed };
    }
    case 'consul-unix:':
      return { args: [`--consul-addr=unix://${url.pathname}`], notes: [], env: {} };
    default:
      throw new ConfigError(
        `${uri}: only Consul is supported (consul://, consul-tls://), not Registrator's ${url.protocol.slice(0, -1)} backend`,
      );
  }
}
