import type { ContainerPlan, ProxySpec, Registration } from './model/registration.js';
import type { Finding } from './model/findings.js';
import { printable } from './model/show.js';
import type { SwarmTask } from './model/swarm-task.js';
import type { ContainerForecast, Forecast, Removal, ServiceFinding } from './reconcile/first-pass.js';

/** The codes of findings that mean a registration is not written (ownership-guard.ts, first-pass.ts). */
const NOT_WRITTEN = new Set(['foreign-id', 'registrator-id', 'service-id-held', 'sidecar-parent-refused', 'service-id-claimed']);

/**
 * `consul-registrar plan`: what each container would get in Consul, as lines for a person, and
 * with --ttl the registrar's own service, which every one of them follows.
 */
export function formatPlan(plans: ContainerPlan[], registrarServiceId?: string, extras?: PlanExtras): string {
  const own = registrarServiceId
    ? [`(the registrar itself)\n  ${registrarServiceId}  name consul-registrar: a TTL check it refreshes (--ttl)`]
    : [];
  const removals = extras?.forecast?.removals ?? [];
  const removed = removals.length
    ? [
        ["(removed by the first pass: this host ID's services that no running container wants)", ...removals.map(formatRemoval)]
          .map(printable)
          .join('\n'),
      ]
    : [];
  return [...plans.map((plan) => formatContainer(plan, extras)), ...removed, ...own].join('\n');
}

/**
 * `plan --json`: the same, for programs: one object per container with what would be registered
 * exactly as it would be sent to Consul, its findings (the skip's first, when it is skipped), and
 * Registrator's entries found for it. Label text stays as written (JSON escapes control characters).
 */
export function planJson(plans: ContainerPlan[], registrarServiceId?: string, extras?: PlanExtras): string {
  const containers = plans.map((plan) => {
    const { registrations, proxies, findings } = outcome(plan, extras?.forecast?.containers.get(plan.containerId));
    return {
      id: plan.containerId,
      name: plan.containerName,
      ...(plan.swarmTask ? { swarmTask: plan.swarmTask } : {}),
      ...(plan.skipped ? { skipped: plan.skipped.text } : {}),
      registrations,
      proxies: proxies.map(shownProxy),
      findings: allFindings(plan, findings).map((f) => findingJson(plan.containerName, f)),
      registratorEntries: extras?.registratorEntries?.get(plan.containerId) ?? [],
      registratorDifferences: extras?.differences?.get(plan.containerId) ?? [],
      forkDifferences: extras?.forkDifferences?.get(plan.containerId) ?? [],
    };
  });
  return JSON.stringify(
    {
      containers,
      removals: extras?.forecast?.removals ?? [],
      ...(registrarServiceId ? { registrarServiceId } : {}),
      replaceRegistrator: extras?.replacing ?? false,
    },
    null,
    2,
  );
}

/** What plan knows beside the model's plans; all by container ID. */
export interface PlanExtras {
  /** What the first full pass would do with them (reconcile/first-pass.ts); without it, the plans as the model made them. */
  forecast?: Forecast;
  /** Registrator's registrations of each container found on the agent. */
  registratorEntries?: Map<string, string[]>;
  /** Where each result differs from what Registrator would have registered. */
  differences?: Map<string, string[]>;
  /** Where each result differs from what the fayrus/registrator fork would register (--compare-with fork or both). */
  forkDifferences?: Map<string, string[]>;
  /** --replace-registrator. */
  replacing: boolean;
}

/** The registrations the run would send and the proxies it would start for them, with the findings of the pass. */
function outcome(plan: ContainerPlan, forecast: ContainerForecast | undefined) {
  if (forecast === undefined) return { registrations: plan.registrations, proxies: plan.proxies, findings: [] as ServiceFinding[] };
  // A proxy only for a sidecar that is registered, as the reconciler starts them.
  const sidecars = new Set(forecast.registrations.map((r) => r.ID));
  return { ...forecast, proxies: plan.proxies.filter((p) => sidecars.has(p.sidecarId)) };
}

function formatContainer(plan: ContainerPlan, extras?: PlanExtras): string {
  const lines = [`${plan.containerName} (${plan.containerId.slice(0, 12)})`];
  if (plan.swarmTask) lines.push(`  ${swarmLine(plan.swarmTask)}`);
  if (plan.skipped) lines.push(`  skipped ${findingLine(plan.skipped)}`);
  const { registrations, proxies, findings } = outcome(plan, extras?.forecast?.containers.get(plan.containerId));
  for (const reg of registrations) lines.push(...formatRegistration(reg));
  for (const proxy of proxies.map(shownProxy)) {
    const env = Object.entries(proxy.env).map(([key, value]) => `${key}=${value}`);
    lines.push(
      `  proxy container ${proxy.name}: ${proxy.image} ${proxy.cmd.join(' ')}  network container:${plan.containerName}  env ${env.join(' ')}`,
    );
  }
  for (const finding of [...plan.findings, ...findings])
    lines.push(`  ${NOT_WRITTEN.has(finding.code) ? 'not registered' : 'warning'} ${findingLine(finding)}`);
  for (const difference of extras?.differences?.get(plan.containerId) ?? []) lines.push(`  differs from Registrator: ${difference}`);
  for (const difference of extras?.forkDifferences?.get(plan.containerId) ?? []) lines.push(`  differs from the fork: ${difference}`);
  // Names, tags and paths come from labels: no control character reaches the operator's terminal.
  return lines.map(printable).join('\n');
}

/** The Swarm task identity the model read from the container's labels. */
function swarmLine(task: SwarmTask): string {
  const slot = task.slot ? `slot ${task.slot}` : 'global (no slot)';
  return `swarm task ${task.taskId} of service ${task.service} (registered as "${task.name}"), ${slot}, node ${task.nodeId}`;
}

/** The model's findings (the skip's first), then the first pass's. */
function allFindings(plan: ContainerPlan, pass: ServiceFinding[]): ServiceFinding[] {
  return [...(plan.skipped ? [plan.skipped] : []), ...plan.findings, ...pass];
}

/** A finding for a person: its code to look up in docs/findings.md, what happened, and the fix. */
function findingLine(f: Finding): string {
  return `[${f.code}] ${f.text}${f.fix ? ` — ${f.fix}` : ''}`;
}

/** A finding for programs: every field present (null when it has none), so the shape never varies. */
function findingJson(container: string, f: ServiceFinding) {
  return {
    code: f.code,
    container,
    port: f.port ?? null,
    label: f.label ?? null,
    serviceId: f.serviceId ?? null,
    field: f.field ?? null,
    text: f.text,
    fix: f.fix ?? null,
  };
}

function formatRemoval(removal: Removal): string {
  const why =
    removal.reason === 'container-not-running'
      ? `its container ${removal.containerId.slice(0, 12)} is not running`
      : `its container ${removal.containerId.slice(0, 12)} no longer asks for it`;
  const how = removal.reaper ? " (its ID cannot be deregistered by name: marked critical for Consul's reaper)" : '';
  return `  ${removal.serviceId}  name ${removal.name}: ${why}${how} [${removal.reason}]`;
}

/** A proxy as plan shows it: its token is never printed (it is the operator's secret, not the plan's). */
function shownProxy(proxy: ProxySpec): ProxySpec {
  const env = { ...proxy.env };
  if (env.CONSUL_HTTP_TOKEN !== undefined) env.CONSUL_HTTP_TOKEN = '(--connect-proxy-token)';
  if (proxy.ownToken) env.CONSUL_HTTP_TOKEN = `(a token for ${proxy.serviceName} alone, minted when it starts)`;
  return { ...proxy, env };
}

function formatRegistration(reg: Registration): string[] {
  const tags = reg.Tags.length ? `  tags ${reg.Tags.join(',')}` : '';
  const kind = reg.Kind ? `  kind ${reg.Kind}` : reg.Connect?.Native ? '  Connect-native' : '';
  const lines = [`  ${reg.ID}  name ${reg.Name}  address ${reg.Address}  port ${reg.Port}${kind}${tags}`];
  if (reg.Proxy) {
    const upstreams = (reg.Proxy.Upstreams ?? []).map(
      (u) => `${u.DestinationName}${u.Datacenter ? `@${u.Datacenter}` : ''} on 127.0.0.1:${u.LocalBindPort}`,
    );
    lines.push(
      `    sidecar of ${reg.Proxy.DestinationServiceID} (to ` +
        `${reg.Proxy.LocalServiceAddress}:${reg.Proxy.LocalServicePort})${upstreams.length ? `, upstreams ${upstreams.join(', ')}` : ''}`,
    );
  }
  for (const check of reg.Checks) {
    const target = check.HTTP ?? check.TCP ?? check.GRPC ?? (check.AliasService ? `alias of ${check.AliasService}` : `ttl ${check.TTL}`);
    lines.push(
      `    check ${check.CheckID}: ${check.Method ?? ''}${check.Method ? ' ' : ''}${target}${check.Interval ? ` every ${check.Interval}` : ''}`,
    );
  }
  return lines;
}
