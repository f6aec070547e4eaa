// What the fayrus/registrator fork (v9.x, -internal, Consul backend) would register for a container,
// so that `plan --compare-with fork` can say where this registrar's result differs. Read from:
// - internal/bridge/util.go: serviceMetaData (its key precedence, in fork-settings.ts), and
//   recParseEscapedComma / combineTags: tags split at commas not written "\,", empty pieces dropped,
//   no trimming, each value's pieces in reverse order.
// - internal/bridge/bridge.go newService: IGNORE with any value; the name, "-<port>" added when there
//   are several ports and no port's key named it; SERVICE_TAGS and -tags run through executeTagTemplate
//   over the whole inspected container, with functions that include httpGet, and a template that fails
//   leaves the port unregistered; "udp" added for a UDP port.
// - backends/consul/consul.go: Register sets EnableTagOverride only for the exact value "true";
//   buildCheck takes the first kind of Registrator's order, then check_grpc.
// Where this registrar differs on purpose, the differences say so: templates get four fields of the
// container and nothing else (its env and the network stay out of tags), {{.Name}} without its "/",
// a protocol's key over its port's whatever the order, a range takes only IGNORE, booleans read
// leniently, sctp_ keys for SCTP ports.
import type { ContainerFacts } from './facts.js';
import { forkSettings } from './fork-settings.js';
import type { ContainerPlan } from './registration.js';
import { CHECK_KINDS, compareServices, viewServices, type Dialect, type ViewOptions } from './registrator-view.js';
import { tagPieces } from './tag-list.js';
import { evaluateTag, hasTemplate } from './tag-template.js';

const FORK_CHECK_KINDS = [...CHECK_KINDS, ['check_grpc', 'grpc']] as const;
const MAX_NOTES = 8;

type Filled = { tags: string[] } | { fails: true } | { tags: string[]; unknown: string };

/** Where this registrar's plan differs from what the fork would register, one line each. */
export function forkDifferences(facts: ContainerFacts, plan: ContainerPlan, options: ViewOptions): string[] {
  if (!facts.running) return [];
  const notes: string[] = [];
  const dialect = forkDialect(facts, options, notes);
  const lines = compareServices(plan, viewServices(facts, options, dialect), dialect);
  for (const ours of plan.registrations) {
    if (ours.Kind) continue; // sidecars are this registrar's own
    const protocol = facts.exposedPorts.find((p) => p.port === ours.Port)?.protocol ?? 'tcp';
    const { s } = forkSettings(facts.env, facts.labels, ours.Port, protocol);
    const theirs = s.get('enable_tag_override') === 'true';
    if ((ours.EnableTagOverride ?? false) !== theirs) {
      lines.push(
        `port ${ours.Port}: EnableTagOverride ${ours.EnableTagOverride ? 'on' : 'off'} here, ${theirs ? 'on' : 'off'} ` +
          'by the fork (it takes only the exact value "true")',
      );
    }
  }
  return [...lines, ...new Set(notes)].slice(0, lines.length + MAX_NOTES);
}

function forkDialect(facts: ContainerFacts, options: ViewOptions, notes: string[]): Dialect {
  return {
    who: 'the fork',
    checkKinds: FORK_CHECK_KINDS,
    unorderedTags: true,
    settings: (port, protocol) => {
      const read = forkSettings(facts.env, facts.labels, port, protocol);
      for (const [setting, keys] of read.chance) {
        notes.push(`port ${port}: the fork takes its ${setting} from ${keys.join(' or ')}, whichever Go reads last (by chance)`);
      }
      return { s: read.s, ownName: read.fromPort.has('name') };
    },
    tags: (s, port, protocol) => {
      const own = fillTemplate(s.get('tags') ?? '', facts);
      const forced = fillTemplate(options.tags.join(','), facts);
      for (const [filled, what] of [
        [own, 'SERVICE_TAGS'],
        [forced, '--tags'],
      ] as const) {
        if ('fails' in filled) notes.push(`port ${port}: the fork would not register it: its Go template fails to parse ${what}`);
        else if ('unknown' in filled)
          notes.push(
            `port ${port}: the fork fills ${filled.unknown} in ${what} from the whole container (its env too); kept as written here`,
          );
      }
      if ('fails' in own || 'fails' in forced) return undefined;
      return [...own.tags, ...forced.tags, ...(protocol === 'udp' ? ['udp'] : [])];
    },
  };
}

/** A tags value as the fork's template would leave it, then split its way. */
function fillTemplate(raw: string, facts: ContainerFacts): Filled {
  if (!hasTemplate(raw)) return { tags: forkSplit(raw) };
  // What Go's parser refuses: a {{ never closed, or an action with nothing in it.
  if (raw.replace(/\{\{[^{}]*\}\}/g, '').includes('{{') || /\{\{\s*\}\}/.test(raw)) return { fails: true };
  const filled = evaluateTag(raw, { ...facts, name: `/${facts.name}` }); // Go's Container.Name keeps its "/"
  const tags = forkSplit(filled.tag);
  return filled.unsupported === undefined ? { tags } : { tags, unknown: filled.unsupported };
}

function forkSplit(value: string): string[] {
  return tagPieces(value)
    .filter((t) => t !== '')
    .reverse();
}
