import type { ContainerPlan, ProxySpec, Registration } from './model/registration.js';
import type { Finding } from './model/findings.js';
import { printable } from './model/show.js';

/**
 * `consul-registrar plan`: what each container would get in Consul, as lines for a person, and
 * with --ttl the registrar's own service, which every one of them follows.
 */
export function formatPlan(plans: ContainerPlan[], registrarServiceId?: string, registrator?: RegistratorEntries): string {
  const own = registrarServiceId
    ? [`(the registrar itself)\n  ${registrarServiceId}  name consul-registrar: a TTL check it refreshes (--ttl)`]
    : [];
  return [...plans.map((plan) => formatContainer(plan, registrator)), ...own].join('\n');
}

/**
 * `plan --json`: the same, for programs: one object per container with what would be registered
 * exactly as it would be sent to Consul, its findings (the skip's first, when it is skipped), and
 * Registrator's entries found for it. Label text stays as written (JSON escapes control characters).
 */
export function planJson(plans: ContainerPlan[], registrarServiceId?: string, registrator?: RegistratorEntries): string {
  const containers = plans.map((plan) => ({
    id: plan.containerId,
    name: plan.containerName,
    ...(plan.skipped ? { skipped: plan.skipped.text } : {}),
    registrations: plan.registrations,
    proxies: plan.proxies.map(shownProxy),
    findings: [...(plan.skipped ? [plan.skipped] : []), ...plan.findings].map((f) => findingJson(plan.containerName, f)),
    registratorEntries: registrator?.byContainer.get(plan.containerId) ?? [],
    registratorDifferences: registrator?.differences?.get(plan.containerId) ?? [],
  }));
  return JSON.stringify(
    { containers, ...(registrarServiceId ? { registrarServiceId } : {}), replaceRegistrator: registrator?.replacing ?? false },
    null,
    2,
  );
}

/**
 * Registrator's registrations of each container found on the agent, where the result differs from
 * what Registrator would have registered (both by container ID), and whether --replace-registrator is on.
 */
export interface RegistratorEntries {
  byContainer: Map<string, string[]>;
  differences?: Map<string, string[]>;
  replacing: boolean;
}

function formatContainer(plan: ContainerPlan, registrator?: RegistratorEntries): string {
  const lines = [`${plan.containerName} (${plan.containerId.slice(0, 12)})`];
  if (plan.skipped) lines.push(`  skipped ${findingLine(plan.skipped)}`);
  for (const reg of plan.registrations) lines.push(...formatRegistration(reg));
  for (const proxy of plan.proxies.map(shownProxy)) {
    const env = Object.entries(proxy.env).map(([key, value]) => `${key}=${value}`);
    lines.push(
      `  proxy container ${proxy.name}: ${proxy.image} ${proxy.cmd.join(' ')}  network container:${plan.containerName}  env ${env.join(' ')}`,
    );
  }
  for (const id of registrator?.byContainer.get(plan.containerId) ?? []) {
    lines.push(
      registrator!.replacing
        ? `  replaces Registrator's ${id} once its own service for that port answers in DNS`
        : `  Registrator's ${id} is on the agent: with --replace-registrator it would be replaced`,
    );
  }
  for (const difference of registrator?.differences?.get(plan.containerId) ?? []) lines.push(`  differs from Registrator: ${difference}`);
  for (const f of plan.findings) lines.push(`  warning ${findingLine(f)}`);
  // Names, tags and paths come from labels: no control character reaches the operator's terminal.
  return lines.map(printable).join('\n');
}

/** A finding for a person: its code to look up in docs/findings.md, what happened, and the fix. */
function findingLine(f: Finding): string {
  return `[${f.code}] ${f.text}${f.fix ? ` — ${f.fix}` : ''}`;
}

/** A finding for programs: every field present (null when it has none), so the shape never varies. */
function findingJson(container: string, f: Finding) {
  return { code: f.code, container, port: f.port ?? null, label: f.label ?? null, text: f.text, fix: f.fix ?? null };
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
      `    sidecar of ${reg.Proxy.DestinationServiceID} (to ${reg.Proxy.LocalServiceAddress}:${reg.Proxy.LocalServicePort})${upstreams.length ? `, upstreams ${upstreams.join(', ')}` : ''}`,
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
