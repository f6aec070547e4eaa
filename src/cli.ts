#!/usr/bin/env -S node --no-opt --max-semi-space-size=1
// The flags above: the registrar's work is waiting on sockets, and V8's optimizing compiler and a
// large young generation cost ~10 MiB of resident memory on every host for no measurable gain
// (bench/burst.ts reports both memory and CPU). The image's entrypoint passes the same flags, and
// node-flags.ts applies what can still be applied when it was started some other way.
import './node-flags.js'; // first: before any of the registrar's code runs hot
import './docker/defer-unused-modules.js'; // next: before anything imports dockerode
import { readFileSync } from 'node:fs';
import { ConfigError, helpText, readConfig, toSettings, type Settings } from './config.js';
import { UnreachableError } from './config-error.js';
import { createLogger } from './log.js';
import { planContainer } from './model/plan.js';
import { formatPlan, planJson } from './plan-report.js';
import type { ContainerFacts } from './model/facts.js';
import { forecastFirstPass } from './reconcile/first-pass.js';
import { ownedAmong } from './reconcile/ownership.js';
import { registratorEntries } from './reconcile/registrator.js';
import type { AgentService } from './reconcile/service-agent.js';
import { registratorDifferences } from './model/registrator-view.js';
import { forkDifferences } from './model/fork-view.js';
import { connect, type Reached, type RunContext } from './run-context.js';
import { StatusServer } from './status/server.js';
import { Metrics } from './status/metrics.js';
import { Registrar } from './registrar.js';
import { TIMINGS } from './timings.js';
import { probeHealth, registrarArgs } from './status/healthcheck.js';
import { planArgs } from './inherited-args.js';
import { VERSION } from './version.js';

async function main(): Promise<number> {
  const own = process.argv.slice(2);
  let { command, values, notes, container } = readConfig(own, process.env);
  if (command === 'plan' && process.pid !== 1) {
    const running = runningRegistrarArgs();
    if (running) ({ command, values, notes, container } = readConfig(planArgs(own, running), process.env));
  }
  if (values.help === 'true') {
    process.stdout.write(helpText() + '\n');
    return 0;
  }
  if (values.version === 'true') {
    process.stdout.write(`consul-registrar ${VERSION}\n`);
    return 0;
  }
  const settings = toSettings(values);
  if (command === 'healthcheck') {
    const { ok, text } = await probeHealth(healthcheckAddr(process.argv.slice(2), settings.httpAddr));
    process.stdout.write(text + '\n');
    return ok ? 0 : 1;
  }
  const log = createLogger(settings.logLevel, settings.logFormat);
  for (const note of notes) log.info({ event: 'registrator-flag', flag: note.flag }, note.text);
  // plan is a one-shot look: a daemon that does not answer is said at once, not waited for.
  if (command === 'plan') return plan(await connect(settings, log, undefined, true), settings, values.json === 'true', container);

  // /healthz and /metrics answer from the start, saying what the registrar still waits for (every
  // series at 0, so an alert on registrar_dependency_up can fire); a stop signal while Docker or
  // Consul does not answer ends the wait at once.
  const reached: Reached = { docker: false, consul: false };
  const starting = new Metrics();
  const status = new StatusServer(
    settings.httpAddr,
    {
      metrics: () => starting.render({ up: () => ({ ...reached }) }),
      health: () => Promise.resolve({ ok: false, starting: true, docker: reached.docker, consul: reached.consul }),
    },
    log,
  );
  status.start();
  const early = (signal: NodeJS.Signals) => {
    log.info({ signal }, 'stopping before Docker and Consul were reached');
    process.exit(0);
  };
  process.once('SIGTERM', early).once('SIGINT', early);
  const context = await connect(settings, log, reached);
  process.off('SIGTERM', early).off('SIGINT', early);

  const registrar = new Registrar(context, settings, log, status);
  log.info(
    {
      hostId: context.model.hostId,
      hostIp: context.model.hostIp,
      engine: context.profile.name,
      consul: context.capabilities.version.join('.'),
    },
    `consul-registrar ${VERSION} started`,
  );
  let stopping: Promise<void> | undefined;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log.info({ signal }, settings.deregisterOnExit ? 'stopping; removing registrations' : 'stopping; registrations stay in Consul');
      stopping = registrar.stop();
      setTimeout(() => process.exit(0), TIMINGS.stopDeadlineMs).unref();
    });
  }
  await registrar.start(); // returns once stop() has ended the Docker event loop
  await stopping;
  return 0;
}

/** The arguments of the registrar at PID 1 (inside its container); undefined when PID 1 is something else. */
function runningRegistrarArgs(): string[] | undefined {
  try {
    return registrarArgs(readFileSync('/proc/1/cmdline', 'utf8'));
  } catch {
    return undefined; // not Linux, or /proc not mounted
  }
}

/**
 * Where the running registrar serves /healthz: the healthcheck's own --http-addr when it has one,
 * else the one the registrar at PID 1 was started with (flag or environment), else this process's settings.
 */
function healthcheckAddr(argv: string[], own: string | undefined): string | undefined {
  if (argv.some((a) => a === '--http-addr' || a.startsWith('--http-addr='))) return own;
  const args = runningRegistrarArgs();
  if (!args) return own;
  try {
    return toSettings(readConfig(args, process.env).values).httpAddr;
  } catch {
    return own; // PID 1's arguments do not parse: it would not be running
  }
}

/**
 * `plan`: what each running container (or just `only`, a name or ID) would get, and why not, as the
 * first full pass would decide it over what the agent has now, and what that pass would remove; then exit.
 */
async function plan(context: RunContext, settings: Settings, json: boolean, only?: string): Promise<number> {
  const ids = await context.source.runningIds();
  const all = (await Promise.all(ids.map((id) => context.source.inspect(id)))).filter((f) => f !== undefined);
  const running = all.filter((f) => f.running);
  const facts = only ? all.filter((f) => f.name === only || (only.length >= 4 && f.id.startsWith(only))) : all;
  if (only && facts.length === 0) {
    process.stderr.write(`consul-registrar: no running container named "${only}" (or with an ID starting so)\n`);
    return 1;
  }
  const [services, checks] = await Promise.all([context.consul.servicesWithMeta({}), context.consul.checks()]);
  // Every running container is planned: which of two gets a shared ID, and what is removed, depends on all.
  const plans = all.map((f) => planContainer(f, context.model));
  const forecast = forecastFirstPass({
    plans: plans.filter((p) => running.some((f) => f.id === p.containerId)),
    running,
    agent: services,
    checks,
    hostId: context.model.hostId,
    replaceRegistrator: settings.replaceRegistrator,
    capabilities: context.capabilities,
    keeping: settings.deregister === 'on-success' ? await keptWhileStopped(context, services, running) : new Set(),
  });
  // What Registrator left for these containers, and where each result differs from what Registrator registered.
  const shown = new Set(facts.map((f) => f.id));
  const registratorEntriesOf = new Map(facts.map((f) => [f.id, [...registratorEntries(services, f).keys()]]));
  const compareWith = settings.compareWith ?? 'registrator';
  const compared = (asked: boolean, view: typeof registratorDifferences) =>
    new Map(plans.map((p, i) => [p.containerId, asked ? view(all[i]!, p, context.model) : []]));
  const differences = compared(compareWith !== 'fork', registratorDifferences);
  const forkDifferencesOf = compared(compareWith !== 'registrator', forkDifferences);
  if (only) forecast.removals = forecast.removals.filter((r) => shown.has(r.containerId));
  const sorted = plans.filter((p) => shown.has(p.containerId)).sort((a, b) => a.containerName.localeCompare(b.containerName));
  const extras = {
    forecast,
    registratorEntries: registratorEntriesOf,
    differences,
    forkDifferences: forkDifferencesOf,
    replacing: settings.replaceRegistrator,
  };
  const text = json
    ? planJson(sorted, context.model.registrarServiceId, extras)
    : formatPlan(sorted, context.model.registrarServiceId, extras);
  process.stdout.write(text + '\n');
  return 0;
}

/** --deregister on-success: the stopped containers owning services here that exited non-zero, which keep them. */
async function keptWhileStopped(context: RunContext, services: AgentService[], running: ContainerFacts[]): Promise<Set<string>> {
  const up = new Set(running.map((f) => f.id));
  const owners = new Set(
    ownedAmong(services, context.model.hostId)
      .map((s) => s.containerId)
      .filter((id) => id !== '' && !up.has(id)),
  );
  const stopped = await Promise.all([...owners].map((id) => context.source.inspect(id)));
  return new Set(stopped.filter((f) => f !== undefined && !f.running && f.exitCode !== 0).map((f) => f!.id));
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message =
      err instanceof ConfigError || err instanceof UnreachableError
        ? `consul-registrar: ${err.message}`
        : `consul-registrar: ${(err as Error).stack ?? String(err)}`;
    process.stderr.write(message + '\n');
    process.exit(err instanceof ConfigError ? 2 : 1);
  },
);
