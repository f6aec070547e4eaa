import type { ContainerFacts } from './facts.js';
import type { CheckJob, ContainerPlan, ProxySpec, Registration } from './registration.js';
import { OWNER_META } from './registration.js';
import { applyConnect, type ConnectOptions } from './connect.js';
import { aliasNames, aliasService, withAliases } from './aliases.js';
import { chooseAddress, parseIpFamily, type AddressOptions, type IpFamily } from './address.js';
import { buildChecks, dockerHealthCheck, pausedCheck, registrarAliveCheck } from './checks.js';
import { boundedTags } from './caps.js';
import { idProblem } from './service-id.js';
import { userMeta } from './meta.js';
import { allowedTags, nameRefusal, type NamePolicy } from './name-policy.js';
import { reservedIdProblem } from './reserved-ids.js';
import { serviceName } from './service-name.js';
import { servicePorts } from './ports.js';
import { ignoredRanges, rangeFor } from './port-ranges.js';
import { ownSetting, parseBool, readSettings, settingsForPort, type SettingMap } from './settings.js';
import { splitTags } from './tag-list.js';
import { shown } from './show.js';
import type { Finding } from './findings.js';
import { distinctFindings, finding } from './finding-codes.js';
import { nearMissKeys } from './unknown-keys.js';
import { swarmMeta, swarmNetworks, swarmTask } from './swarm-task.js';
import { taggedAddresses } from './tagged-addresses.js';
import { hasTemplate, templatedTags } from './tag-template.js';
import { serviceWeights } from './weights.js';

/**
 * What the operator chose for the model, one field per flag: config.ts builds it, and the run adds
 * only what it learns at start (HostFacts), so no layer copies these fields one by one.
 */
export interface ModelSettings {
  /** The network to use when a container is on several (--network). */
  network?: string;
  /** Which of a dual-stack network's addresses to register (--ip-family, label SERVICE_IP_FAMILY). */
  ipFamily: IpFamily;
  /** SERVICE_IP may name an address outside the container's own networks (--allow-any-service-ip). */
  anyServiceIp: boolean;
  /** Register only services that are given a SERVICE_NAME (--explicit). */
  explicit: boolean;
  /** Tags added to every service (--tags). */
  tags: string[];
  /** Run SERVICE_CHECK_SCRIPT commands inside containers (--enable-script-checks). */
  scriptChecks: boolean;
  /** Mirror Docker HEALTHCHECK results as TTL checks (on unless --docker-health=false). */
  dockerHealth: boolean;
  /** Services one container may have (--max-services); the lowest ports are kept. */
  maxServices: number;
  /** Register a Swarm task's overlay address (--swarm-overlay); off, only its routable networks count. */
  swarmOverlay: boolean;
  /** Service Meta from image ENV too, not only from labels (--meta-from-env). */
  metaFromEnv: boolean;
  /** HTTP methods a check label may ask for (--check-http-methods), upper case. */
  httpMethods: string[];
  /** Who may use which service names (--name-policy); none: every name is allowed. */
  namePolicy?: NamePolicy;
  /** A label whose value (an address, or address/prefix) stands for SERVICE_IP (--ip-from-label, Registrator's -useIpFromLabel). */
  ipFromLabel?: string;
}

/** What a run learns at start about this host and its agent. */
export interface HostFacts extends Pick<AddressOptions, 'hostIp' | 'hostAddresses' | 'rootless'> {
  /** Identifies this host in service IDs and ownership Meta (--host-id, else Docker's host name). */
  hostId: string;
  /** The registrar's own service, whose health every service follows (--ttl). */
  registrarServiceId?: string;
  /** Consul Connect: the agent's support and how proxies are run (SERVICE_CONNECT). */
  connect?: ConnectOptions;
}

export type PlanOptions = ModelSettings & HostFacts;

/** --ip-from-label: the label's address without a prefix length, checked like SERVICE_IP. */
function ipFromLabel(labels: Record<string, string>, label: string | undefined): string | undefined {
  const value = label === undefined ? undefined : labels[label];
  return value ? value.replace(/\/\d{1,3}$/, '') : undefined;
}

/**
 * Turns one container's facts into the services it should have in Consul. Pure, and never throws:
 * a value nothing foresaw costs that container its registration (one finding naming its settings),
 * never the plan or the sync of the others.
 */
export function planContainer(facts: ContainerFacts, options: PlanOptions): ContainerPlan {
  try {
    return planUnguarded(facts, options);
  } catch (err) {
    const problem = `its SERVICE_* settings (${settingNames(facts)}) could not be planned: ${shown(errorText(err), 120)}`;
    return {
      containerId: facts.id,
      containerName: facts.name,
      registrations: [],
      jobs: [],
      proxies: [],
      findings: [],
      skipped: finding('plan-failed', `${problem}; nothing is registered for it until they change`),
    };
  }
}

function planUnguarded(facts: ContainerFacts, options: PlanOptions): ContainerPlan {
  const findings: Finding[] = [];
  const jobs: CheckJob[] = [];
  const proxies: ProxySpec[] = [];
  const task = swarmTask(facts.labels ?? {});
  const plan = (registrations: Registration[], skipped?: Finding): ContainerPlan => ({
    containerId: facts.id,
    containerName: facts.name,
    ...(task ? { swarmTask: task } : {}),
    registrations,
    jobs: registrations.length > 0 && !facts.paused ? jobs : [],
    proxies: registrations.length > 0 ? proxies : [],
    findings: distinctFindings(findings),
    ...(skipped === undefined ? {} : { skipped }),
  });
  if (!facts.running) return plan([], finding('not-running', 'not running'));

  const settings = readSettings(facts.env, facts.labels, findings);
  nearMissKeys(settings, findings);
  const labelSettings = readSettings({}, facts.labels);
  // Meta may carry what an image's ENV holds (passwords too): the operator can take it from labels only.
  const metaSettings = options.metaFromEnv ? settings : labelSettings;
  if (ignored(settings.common, 'SERVICE_IGNORE', findings))
    return plan([], finding('service-ignored', 'SERVICE_IGNORE is set', { label: 'SERVICE_IGNORE' }));
  const ranges = ignoredRanges(settings, findings);
  const allPorts = servicePorts(facts.exposedPorts, settings.common.get('ports'), findings);
  if (allPorts.length === 0) return plan([], finding('no-ports', 'exposes no ports'));
  const ports = allPorts.slice(0, options.maxServices);
  if (allPorts.length > ports.length) {
    findings.push(
      finding(
        'too-many-ports',
        `has ${allPorts.length} ports; only the lowest ${ports.length} (up to ${ports.at(-1)!.port}) are registered`,
      ),
    );
  }

  const swarm = task ? swarmNetworks(facts, settings.common.get('network'), options.swarmOverlay) : { networks: facts.networks };
  if ('skip' in swarm) return plan([], swarm.skip);
  const where = chooseAddress(
    { ...facts, networks: swarm.networks },
    // A SERVICE_IP label, else the operator's --ip-from-label, and only then an image ENV's SERVICE_IP.
    labelSettings.common.get('ip') ?? ipFromLabel(facts.labels, options.ipFromLabel) ?? settings.common.get('ip'),
    settings.common.get('network'),
    addressOptions(settings.common, options, findings),
    findings,
  );
  if ('skip' in where) return plan([], where.skip);

  const several = allPorts.length > 1; // before the cap: lowering --max-services must not rename services
  const registrations: Registration[] = [];
  const aliasesOf = new Map<Registration, Registration[]>(); // placed after their primaries once every port is planned
  const portsInUse = new Set(allPorts.map((p) => p.port)); // sidecars and upstreams must not take one
  const gateway = gatewayOf(facts, where.network, where.address);
  for (const { port, protocol } of ports) {
    const s = settingsForPort(settings, port, protocol);
    // A port's own IGNORE over a range's over SERVICE_IGNORE: the more specific key wins.
    const range = ownSetting(settings, port, protocol, 'ignore') === undefined ? rangeFor(ranges, port) : undefined;
    if (range ? ignored(range.settings, range.label, findings, port) : ignored(s, `SERVICE_${port}_IGNORE`, findings, port)) continue;
    const givenName = s.get('name')?.trim();
    if (!givenName && options.explicit) continue;
    const name = serviceName(
      {
        port,
        given: givenName || task?.name,
        ownName: !!ownSetting(settings, port, protocol, 'name'),
        several,
        image: facts.image,
        labels: facts.labels,
        containerName: facts.name,
      },
      findings,
    );
    if (name === undefined) continue;
    const refusedName = options.namePolicy && nameRefusal(options.namePolicy, name, facts);
    if (refusedName) {
      findings.push(
        finding('service-name-reserved', `port ${port}: ${refusedName}; it is not registered`, { port, label: 'SERVICE_NAME' }),
      );
      continue;
    }

    const suffix = `${port}${protocol === 'tcp' ? '' : `:${protocol}`}`;
    const fallback = `${options.hostId}:${facts.name}:${suffix}`;
    const id = serviceId(
      {
        port,
        suffix,
        own: ownSetting(settings, port, protocol, 'id'),
        shared: settings.common.get('id'),
        several,
        fallback,
        hostId: options.hostId,
      },
      findings,
    );
    const built = buildChecks({
      serviceId: id,
      address: where.address,
      port,
      settings: s,
      httpMethods: options.httpMethods,
      scripts: { containerId: facts.id, pid: facts.pid, user: facts.user, enabled: options.scriptChecks },
      findings,
    });
    const checks = [...built.checks];
    const portJobs = [...built.jobs];
    if (facts.health && options.dockerHealth) {
      const health = dockerHealthCheck(id, facts.id, facts.pid, facts.health, findings);
      checks.push(health.check);
      portJobs.push(health.job);
    }
    if (options.registrarServiceId) checks.push(registrarAliveCheck(id, options.registrarServiceId));
    if (facts.paused) checks.push(pausedCheck(id));
    const tagged = taggedAddresses({ facts, address: where.address, port, protocol, settings: s, options, findings });
    const weights = serviceWeights(s, port, findings);
    const tagOverride = enableTagOverride(s, port, findings);
    const connect = applyConnect({
      parent: {
        ID: id,
        Name: name,
        Tags: [...new Set([...labelTags(s, facts, options, findings), ...operatorTags(facts, options, findings)])],
        Address: where.address,
        Port: port,
        Meta: {
          ...(task ? swarmMeta(task) : {}), // the task's identity, unless its SERVICE_* labels give the same keys
          ...userMeta(settingsForPort(metaSettings, port, protocol), findings),
          [OWNER_META.host]: options.hostId,
          [OWNER_META.container]: facts.id,
        },
        Checks: checks,
        ...(tagged ? { TaggedAddresses: tagged } : {}),
        ...(weights ? { Weights: weights } : {}),
        ...(tagOverride ? { EnableTagOverride: true as const } : {}),
      },
      settings: s,
      index: proxiesAsked(registrations),
      taken: portsInUse,
      gateway,
      app: {
        id: facts.id,
        name: facts.name,
        startedAt: facts.startedAt,
        several,
        ...(facts.cgroupParent ? { cgroupParent: facts.cgroupParent } : {}),
      },
      options: options.connect,
      findings,
    });
    // The sidecar's name is derived from the parent's, but a rule may reserve it on its own.
    const refusedSidecar = connect.sidecar && options.namePolicy && nameRefusal(options.namePolicy, connect.sidecar.Name, facts);
    if (refusedSidecar) {
      findings.push(
        finding('sidecar-name-reserved', `port ${port}: ${refusedSidecar}; it is registered without a sidecar`, {
          port,
          label: 'SERVICE_NAME',
        }),
      );
    }
    const sidecar = refusedSidecar ? undefined : connect.sidecar;
    registrations.push(connect.parent, ...(sidecar ? [sidecar] : []));
    const aliases = aliasNames({
      port,
      value: s.get('aliases'),
      own: ownSetting(settings, port, protocol, 'aliases') !== undefined,
      several,
      primaryName: name,
      namePolicy: options.namePolicy,
      facts,
      findings,
    });
    if (aliases.length > 0)
      aliasesOf.set(
        connect.parent,
        aliases.map((alias) => aliasService(connect.parent, alias)),
      );
    if (connect.proxy && sidecar) proxies.push(connect.proxy);
    jobs.push(...portJobs);
  }
  const services = withAliases(registrations, aliasesOf, options.maxServices, findings);
  const duplicate = services.find((r, i) => services.findIndex((o) => o.ID.toLowerCase() === r.ID.toLowerCase()) !== i);
  if (duplicate) {
    return plan(
      [],
      finding('duplicate-service-id', `two of its services would share the ID ${shown(duplicate.ID)}; nothing is registered for it`),
    );
  }
  if (registrations.length === 0) {
    if (options.explicit) return plan([], finding('explicit-unnamed', 'no SERVICE_NAME (explicit mode)', { label: 'SERVICE_NAME' }));
    return plan(
      [],
      finding('every-port-ignored', options.namePolicy ? 'every port is ignored or refused by the name policy' : 'every port is ignored'),
    );
  }
  return plan(services);
}

/**
 * SERVICE_TAGS with template fields filled in, then split (as the fork does: a label's value may hold commas),
 * bounded, without the tags the name policy reserves for other containers.
 */
function labelTags(s: SettingMap, facts: ContainerFacts, options: PlanOptions, findings: Finding[]): string[] {
  const raw = s.get('tags') ?? '';
  const filled = hasTemplate(raw) ? templatedTags([raw], facts, 'SERVICE_TAGS', findings) : [raw];
  const tags = boundedTags(filled.flatMap(splitTags), findings);
  return options.namePolicy ? allowedTags(options.namePolicy, tags, facts, findings) : tags;
}

/** --tags as given; one with template fields takes the container's facts, so it is bounded and policed like SERVICE_TAGS. */
function operatorTags(facts: ContainerFacts, options: PlanOptions, findings: Finding[]): string[] {
  const templates = options.tags.filter(hasTemplate);
  if (templates.length === 0) return options.tags;
  const filled = boundedTags(templatedTags(templates, facts, '--tags', findings), findings);
  const allowed = options.namePolicy ? allowedTags(options.namePolicy, filled, facts, findings) : filled;
  return [...options.tags.filter((tag) => !hasTemplate(tag)), ...allowed];
}

/** The names of a container's SERVICE_* labels and variables, for a finding (its values may be anything). */
function settingNames(facts: ContainerFacts): string {
  const names = [...Object.keys(facts.labels ?? {}), ...Object.keys(facts.env ?? {})].filter((key) => /^SERVICE_/i.test(key));
  const listed = [...new Set(names)].slice(0, 8).map((key) => shown(key, 40));
  return listed.length === 0 ? 'none' : `${listed.join(', ')}${names.length > listed.length ? ', …' : ''}`;
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** Sidecars planned so far: the next one's default port follows theirs. */
function proxiesAsked(registrations: Registration[]): number {
  return registrations.filter((r) => r.Kind === 'connect-proxy').length;
}

/** The gateway of the network the address came from, of the address's family: where a container reaches its host. */
function gatewayOf(facts: ContainerFacts, network: string, address: string): string | undefined {
  const v6 = address.includes(':');
  const family = (g: string) => g.includes(':') === v6;
  const own = facts.networks.find((n) => n.name === network)?.gateways.find(family);
  return own ?? facts.networks.flatMap((n) => n.gateways).find(family);
}

interface IdRequest {
  port: number;
  /** The port, with :udp or :sctp when not TCP: what makes the IDs of one container's services differ. */
  suffix: string;
  own?: string | undefined;
  shared?: string | undefined;
  several: boolean;
  fallback: string;
  hostId: string;
}

/**
 * SERVICE_<port>_ID, else SERVICE_ID (with the port appended when there are several), else
 * Registrator's host:container:port. An ID that a URL path would mangle, or too long, falls back
 * to the default with a finding: Consul could never deregister it. So does one of the shapes only
 * the registrar makes (model/reserved-ids), which could take another container's ID.
 */
function serviceId(r: IdRequest, findings: Finding[]): string {
  const own = r.own?.trim();
  const shared = r.shared?.trim();
  const [value, asked, label] = own
    ? [own, own, `SERVICE_${r.port}_ID`]
    : shared
      ? [shared, r.several ? `${shared}:${r.suffix}` : shared, 'SERVICE_ID']
      : [undefined, undefined, ''];
  if (value === undefined || asked === undefined) return r.fallback;
  if (asked.toLowerCase() === r.fallback.toLowerCase()) return r.fallback; // its own default ID, by name
  const problem = idProblem(asked);
  // The label's own value: the port the registrar appends to a shared SERVICE_ID is not the author's.
  const reserved = problem === undefined ? reservedIdProblem(value, r.hostId) : undefined;
  if (problem === undefined && reserved === undefined) return asked;
  const text = `${label} ${shown(reserved ? value : asked)} ${problem ?? reserved}; the service is registered as "${r.fallback}"`;
  findings.push(finding(reserved ? 'service-id-reserved' : 'service-id-refused', text, { port: r.port, label }));
  return r.fallback;
}

/** The container's SERVICE_IP_FAMILY over --ip-family. */
function addressOptions(settings: SettingMap, options: PlanOptions, findings: Finding[]): AddressOptions {
  const value = settings.get('ip_family');
  if (value === undefined) return options;
  const family = parseIpFamily(value);
  if (family) return { ...options, ipFamily: family };
  findings.push(
    finding('ip-family-unknown', `SERVICE_IP_FAMILY ${shown(value)} is not 4, 6, ipv4 or ipv6; --ip-family applies`, {
      label: 'SERVICE_IP_FAMILY',
    }),
  );
  return options;
}

/** SERVICE_ENABLE_TAG_OVERRIDE (the fork's key): true or false, anything else is false with a finding. */
function enableTagOverride(settings: SettingMap, port: number, findings: Finding[]): boolean {
  const value = settings.get('enable_tag_override');
  if (value === undefined) return false;
  const parsed = parseBool(value);
  if (parsed === undefined) {
    findings.push(
      finding('tag-override-not-boolean', `SERVICE_ENABLE_TAG_OVERRIDE ${shown(value)} is not true or false; taken as false`, {
        port,
        label: 'SERVICE_ENABLE_TAG_OVERRIDE',
      }),
    );
  }
  return parsed === true;
}

/** SERVICE_IGNORE: any value but a false one ignores (Registrator ignores even "false"; we do not). */
function ignored(settings: SettingMap, label: string, findings: Finding[], port?: number): boolean {
  const value = settings.get('ignore');
  if (value === undefined) return false;
  const parsed = parseBool(value);
  if (parsed === undefined) {
    findings.push(
      finding('ignore-not-boolean', `${label} ${shown(value)} is not true or false; taken as true`, {
        label,
        ...(port === undefined ? {} : { port }),
      }),
    );
  }
  return parsed !== false;
}
