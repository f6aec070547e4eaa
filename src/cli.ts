#!/usr/bin/env -S node --no-opt --max-semi-space-size=1
// The flags above: the registrar's work is waiting on sockets, and V8's optimizing compiler and a
// large young generation cost ~10 MiB of resident memory on every host for no measurable gain
// (bench/burst.ts reports both memory and CPU). The image's entrypoint passes the same flags.
import './docker/defer-unused-modules.js'; // first: before anything imports dockerode
import { readFileSync } from 'node:fs';
import { ConfigError, helpText, readConfig, toSettings } from './config.js';
import { UnreachableError } from './config-error.js';
import { createLogger } from './log.js';
import { planContainer } from './model/plan.js';
import { formatPlan, planJson } from './plan-report.js';
import { registratorEntries } from './reconcile/registrator.js';
import { registratorDifferences } from './model/registrator-view.js';
import { connect, type Reached, type RunContext } from './run-context.js';
import { StatusServer } from './status/server.js';
import { Metrics } from './status/metrics.js';
import { Registrar } from './registrar.js';
import { TIMINGS } from './timings.js';
import { probeHealth, registrarArgs } from './status/healthcheck.js';
import { VERSION } from './version.js';

async function main(): Promise<number> {
  const { command, values, notes, container } = readConfig(process.argv.slice(2), process.env);
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
  for (const note of notes) log.info({ event: 'registrator-flag' }, note);
  // plan is a one-shot look: a daemon that does not answer is said at once, not waited for.
  if (command === 'plan')
    return plan(await connect(settings, log, undefined, true), settings.replaceRegistrator, values.json === 'true', container);

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

/**
 * Where the running registrar serves /healthz: the healthcheck's own --http-addr when it has one,
 * else the one the registrar at PID 1 was started with (flag or environment), else this process's settings.
 */
function healthcheckAddr(argv: string[], own: string | undefined): string | undefined {
  if (argv.some((a) => a === '--http-addr' || a.startsWith('--http-addr='))) return own;
  let args: string[] | undefined;
  try {
    args = registrarArgs(readFileSync('/proc/1/cmdline', 'utf8'));
  } catch {
    return own; // not Linux, or /proc not mounted
  }
  if (!args) return own;
  try {
    return toSettings(readConfig(args, process.env).values).httpAddr;
  } catch {
    return own; // PID 1's arguments do not parse: it would not be running
  }
}

/** `plan`: what each running container (or just `only`, a name or ID) would get, and why not, then exit. */
async function plan(context: RunContext, replacing: boolean, json: boolean, only?: string): Promise<number> {
  const ids = await context.source.runningIds();
  const all = await Promise.all(ids.map((id) => context.source.inspect(id)));
  const facts = only ? all.filter((f) => f && (f.name === only || (only.length >= 4 && f.id.startsWith(only)))) : all;
  if (only && facts.length === 0) {
    process.stderr.write(`consul-registrar: no running container named "${only}" (or with an ID starting so)\n`);
    return 1;
  }
  // What Registrator left for these containers (what --replace-registrator takes over), and where
  // each result differs from what Registrator registered.
  const services = await context.consul.servicesWithMeta({});
  const byContainer = new Map<string, string[]>();
  const differences = new Map<string, string[]>();
  const plans = facts.flatMap((f) => {
    if (!f) return [];
    const own = planContainer(f, context.model);
    byContainer.set(f.id, [...registratorEntries(services, f).keys()]);
    differences.set(f.id, registratorDifferences(f, own, context.model));
    return [own];
  });
  const sorted = plans.sort((a, b) => a.containerName.localeCompare(b.containerName));
  const registrator = { byContainer, differences, replacing };
  const text = json
    ? planJson(sorted, context.model.registrarServiceId, registrator)
    : formatPlan(sorted, context.model.registrarServiceId, registrator);
  process.stdout.write(text + '\n');
  return 0;
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
