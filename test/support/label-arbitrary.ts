// Random SERVICE_* settings for property-based tests: well-formed, malformed and hostile keys and
// values, as labels and env vars of real containers or of recorded inspect facts.
import fc from 'fast-check';

const KEYS = [
  'name',
  'id',
  'tags',
  'ignore',
  'ip',
  'network',
  'ports',
  'check_http',
  'check_https',
  'check_http_method',
  'check_tcp',
  'check_grpc',
  'check_grpc_use_tls',
  'check_ttl',
  'check_interval',
  'check_timeout',
  'check_initial_status',
  'check_deregister_after',
  'check_tls_skip_verify',
  'check_tls_server_name',
  'check_success_before_passing',
  'check_failures_before_critical',
  'check_script',
  'tagged_addresses',
  'wan_address',
  'weight_passing',
  'weight_warning',
  'enable_tag_override',
  'aliases',
  'version',
  'owner',
  'registrar_host',
  'consul-x',
  'bad.key',
];
const units = fc.constantFrom('ns', 'us', 'µs', 'ms', 's', 'm', 'h', 'd', '');
const duration = fc.oneof(
  fc.tuple(fc.nat(120), units).map(([n, u]) => `${n}${u}`),
  fc.tuple(fc.nat(120), fc.nat(9), units).map(([n, f, u]) => `${n}.${f}${u}`),
  fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 22n }), units).map(([n, u]) => `${n}${u}`),
  fc.constantFrom('0s', '1m30s', '-5s', ' 10s ', '1h1m1s', '0.000001ns'),
);
const value = fc.oneof(
  duration,
  fc.constantFrom('true', 'false', 'TRUE', '1', '0', 'yes', 'off', '', ' ', 'maybe'),
  fc.constantFrom('passing', 'warning', 'critical', 'Critical', 'healthy', 'GET', 'head'),
  fc.constantFrom('80', '53/udp', '80,53/udp,0,70000,x', '8080/sctp', '65535', '00080'),
  fc.constantFrom('10.99.1.5', 'fd00::5', '10.99.1', 'bridge', 'fixture-rec-a', 'fixture-rec-b', 'nope'),
  fc.constantFrom('10.99.1.5:80', '[fd00::5]:443', '169.254.169.254:80', '10.99.1.5:0', '10', '65536', '-1'),
  fc.constantFrom('web', 'My_App.v2', '___', '日本', 'a'.repeat(80), '-x-', 'x'.repeat(600)),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  // The fork's template tags, escaped commas and tagged-address values.
  fc.constantFrom('{{.Name}}', 'h={{ .Config.Hostname }},i={{.Config.Image}}', '{{index .Config.Labels "team"}}', '{{.Config.Env}}'),
  fc.constantFrom('{{', '{{}}', '{{.Name', 'a\\,b,{{.Name}}', '\\,', 'lan=10.99.1.5:80', 'wan=[fd00::5]:443,lan=x'),
);
const casing = fc.constantFrom(
  (k: string) => k.toUpperCase(),
  (k: string) => k,
  (k: string) => k.charAt(0).toUpperCase() + k.slice(1),
);
const port = fc.oneof(fc.constantFrom(53, 80, 443, 5432, 6379, 7000, 7001, 8080, 9000, 9100), fc.integer({ min: 0, max: 99999 }));
const key = fc
  .tuple(
    fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...KEYS) }, { weight: 1, arbitrary: fc.string({ maxLength: 10 }) }),
    fc.option(port, { freq: 3 }),
    casing,
    // The fork's per-protocol form, SERVICE_<port>_<proto>_<KEY>, now and then.
    fc.option(fc.constantFrom('tcp', 'udp', 'sctp', 'TCP'), { freq: 4 }),
  )
  .map(([k, p, c, proto]) => `SERVICE_${c(p === null ? k : `${p}_${proto === null ? '' : `${proto}_`}${k}`)}`);
// The fork's port-range form, SERVICE_<N>-<M>_<KEY>: ranges low to high, high to low, out of bounds, half written.
const span = fc.oneof(
  fc.tuple(port, port).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
  fc.constantFrom('1-65535', '90-80', '0-100', '80-', '-80', '1-99999', '80-80'),
);
const rangeKey = fc
  .tuple(span, fc.constantFrom('ignore', 'IGNORE', 'name', 'tags', 'tcp_ignore'))
  .map(([range, k]) => `SERVICE_${range}_${k}`);
const anyKey = fc.oneof({ weight: 6, arbitrary: key }, { weight: 1, arbitrary: rangeKey });
export const settings = fc.dictionary(anyKey, value, { maxKeys: 12 });
// The keys whose values matter most, given well-aimed values more often than the random pool would.
export const aimed = fc.record(
  {
    SERVICE_NAME: fc.oneof(value, fc.constantFrom('web', 'api-v2')),
    SERVICE_CHECK_HTTP: fc.constantFrom('/', '/health', 'status'),
    SERVICE_CHECK_TCP: fc.constantFrom('true', 'false', 'x'),
    SERVICE_CHECK_GRPC: fc.constantFrom('true', 'pkg.Health'),
    SERVICE_CHECK_TTL: duration,
    SERVICE_CHECK_INTERVAL: duration,
    SERVICE_CHECK_TIMEOUT: duration,
    SERVICE_CHECK_DEREGISTER_AFTER: duration,
    SERVICE_WAN_ADDRESS: fc.constantFrom('10.99.1.5:8080', '127.0.0.1:80', 'x'),
    SERVICE_WEIGHT_PASSING: fc.oneof(value, fc.constantFrom('1', '10', '65535')),
    SERVICE_WEIGHT_WARNING: fc.oneof(value, fc.constantFrom('0', '1', '3')),
    SERVICE_TAGS: fc.oneof(value, fc.constantFrom('a,b', 'x={{.Name}},{{index .Config.Labels "team"}}', '{{.Config.Env}},{{')),
    SERVICE_TAGGED_ADDRESSES: fc.constantFrom('off', 'on', 'false', 'maybe'),
    SERVICE_ENABLE_TAG_OVERRIDE: fc.constantFrom('true', '1', 'True', 'no'),
    team: fc.constantFrom('ops', 'a,b', '{{.Name}}'),
    SERVICE_ALIASES: fc.oneof(value, fc.constantFrom('www', 'www,web-alt', 'WWW,www,busybox', 'a,b,c,d,e,f,g,h,i,j', 'ok,my_site')),
  },
  { requiredKeys: [] },
);
