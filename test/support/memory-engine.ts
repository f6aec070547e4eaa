// An in-memory container engine for unit tests of the whole registrar (as the kubernetes client's
// cache tests drive list and watch from fakes): containers made from recorded `docker inspect`
// JSON (test/fixtures/inspect) that a test starts, stops and edits, an event stream it pushes to
// as dockerd would, and the list and inspect calls the registrar's real docker/ code reads.
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import type { ContainerInspectInfo } from 'dockerode';
import type { ExecApi, ExecHandle } from '../../src/checks/docker-exec.js';
import type { ContainerReads } from '../../src/docker/inspect.js';
import type { EventSource } from '../../src/docker/events.js';
import { PROXY_LABELS } from '../../src/model/connect.js';
import type { ProxyFact } from '../../src/model/facts.js';
import type { ProxySpec } from '../../src/model/registration.js';
import type { ProxyEngine } from '../../src/reconcile/sidecar-proxies.js';

export type InspectFixture = 'default-bridge' | 'user-network' | 'two-networks' | 'host-mode' | 'no-expose' | 'ipv6' | 'stopped';

interface RecordedEvent {
  Type: 'container';
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  time: number;
  timeNano: number;
}

export interface NewContainer {
  name: string;
  labels?: Record<string, string>;
  env?: Record<string, string>;
  /** A HEALTHCHECK with this interval (ms), starting as Docker starts one. */
  healthIntervalMs?: number;
}

const notFound = (id: string) =>
  Object.assign(new Error(`No such container: ${id}`), { statusCode: 404, json: { message: `No such container: ${id}` } });

export class MemoryEngine implements ContainerReads, EventSource, ExecApi, ProxyEngine {
  private readonly containers = new Map<string, ContainerInspectInfo>();
  private readonly live = new Set<PassThrough>();
  private readonly log: RecordedEvent[] = [];
  private made = 0;
  /** Event streams opened so far, and those still open. */
  streamsOpened = 0;
  get streamsOpen(): number {
    return this.live.size;
  }
  /** Each exec asked for (the engine runs none: the exec fails, and the check reports it critical). */
  readonly execs: string[] = [];
  readonly modem = {
    demuxStream: (stream: NodeJS.ReadableStream, stdout: NodeJS.WritableStream) => void stream.pipe(stdout),
  };

  /** A stopped container from a recording, with its own ID, name, labels, env and address (10.201.1.<10 + n>). */
  create(fixture: InspectFixture, spec: NewContainer): string {
    const info = JSON.parse(readFileSync(new URL(`../fixtures/inspect/${fixture}.json`, import.meta.url), 'utf8')) as ContainerInspectInfo;
    const n = ++this.made;
    info.Id = `${spec.name}-${n}`.padEnd(64, '0');
    info.Name = `/${spec.name}`;
    info.Config.Labels = { ...spec.labels };
    info.Config.Env = Object.entries(spec.env ?? {}).map(([key, value]) => `${key}=${value}`);
    for (const network of Object.values(info.NetworkSettings.Networks ?? {}))
      if (network.IPAddress) network.IPAddress = `10.201.1.${10 + n}`;
    if (spec.healthIntervalMs !== undefined) {
      info.Config.Healthcheck = { Test: ['CMD', 'true'], Interval: spec.healthIntervalMs * 1_000_000 };
    }
    info.State = { ...info.State, Status: 'created', Running: false, Paused: false, Pid: 0, ExitCode: 0 };
    this.containers.set(info.Id, info);
    return info.Id;
  }

  /** Starts it, as `docker start` does: running, a new start time, a start event with its name and labels. */
  start(id: string): void {
    const info = this.get(id);
    info.State = { ...info.State, Status: 'running', Running: true, Pid: 4000 + this.made, StartedAt: new Date().toISOString() };
    if (info.Config.Healthcheck) info.State.Health = { Status: 'starting', FailingStreak: 0, Log: [] };
    this.event(id, 'start', {});
  }

  /** Its main process ends: no longer running, and a die event with the exit code. */
  stop(id: string, exitCode = 0): void {
    const info = this.get(id);
    info.State = { ...info.State, Status: 'exited', Running: false, Pid: 0, ExitCode: exitCode, FinishedAt: new Date().toISOString() };
    this.event(id, 'die', { exitCode: String(exitCode) });
  }

  /** Its HEALTHCHECK probe ended with this status: State.Health as Docker records it, and a health_status event. */
  probed(id: string, status: 'healthy' | 'unhealthy', output = ''): void {
    const info = this.get(id);
    const now = new Date().toISOString();
    const log = [...(info.State.Health?.Log ?? []), { Start: now, End: now, ExitCode: status === 'healthy' ? 0 : 1, Output: output }];
    info.State.Health = { Status: status, FailingStreak: status === 'healthy' ? 0 : 1, Log: log };
    this.event(id, `health_status: ${status}`, {});
  }

  /** Changes the recorded inspect data directly, with no event (what an engine does behind the stream's back). */
  edit(id: string, change: (info: ContainerInspectInfo) => void): void {
    change(this.get(id));
  }

  /** Removes it, running or not (a destroy event); one already gone counts as removed. */
  async remove(id: string): Promise<void> {
    if (!this.containers.delete(id)) return;
    this.event(id, 'destroy', {});
  }

  /** Ends every open event stream, as a restarting dockerd does. */
  dropStreams(): void {
    for (const stream of this.live) stream.end();
  }

  getContainer(id: string): { inspect(): Promise<ContainerInspectInfo>; exec(options: { Cmd?: string[] }): Promise<ExecHandle> } {
    return {
      inspect: async () => structuredClone(this.get(id)),
      exec: async (options) => {
        this.get(id);
        this.execs.push(`${id} ${(options.Cmd ?? []).join(' ')}`);
        throw new Error('the in-memory engine runs no exec');
      },
    };
  }

  async listContainers(options: { filters: { status?: string[]; label?: string[] } }): Promise<ContainerSummary[]> {
    const status = options.filters.status;
    const labels = options.filters.label ?? [];
    return [...this.containers.values()]
      .filter((c) => !status || status.includes(c.State.Status))
      .filter((c) => labels.every((l) => hasLabel(c.Config.Labels ?? {}, l)))
      .map((c) => ({ Id: c.Id, Labels: { ...c.Config.Labels }, State: c.State.Status }));
  }

  /** The live stream (no `until`), or the events logged in a closed window (the stream audit's question). */
  async getEvents(options: { since?: number; until?: number }): Promise<NodeJS.ReadableStream> {
    const stream = new PassThrough();
    if (options.until !== undefined) {
      const [since, until] = [(options.since ?? 0) * 1e9, options.until * 1e9];
      for (const event of this.log) if (event.timeNano >= since && event.timeNano <= until) stream.write(JSON.stringify(event) + '\n');
      stream.end();
      return stream;
    }
    this.streamsOpened++;
    this.live.add(stream);
    stream.once('close', () => this.live.delete(stream));
    return stream;
  }

  async info(): Promise<{ SystemTime: string }> {
    return { SystemTime: new Date().toISOString() };
  }

  async ping(): Promise<string> {
    return 'OK';
  }

  async list(hostId: string, appId?: string): Promise<ProxyFact[]> {
    const label = [`${PROXY_LABELS.host}=${hostId}`, appId ? `${PROXY_LABELS.app}=${appId}` : PROXY_LABELS.app];
    return (await this.listContainers({ filters: { label } })).map((c) => ({
      id: c.Id,
      appId: c.Labels[PROXY_LABELS.app] ?? '',
      sidecarId: c.Labels[PROXY_LABELS.sidecar] ?? '',
      fingerprint: c.Labels[PROXY_LABELS.fingerprint] ?? '',
      running: c.State === 'running',
    }));
  }

  async run(spec: ProxySpec, labels: Record<string, string>): Promise<void> {
    this.start(this.create('host-mode', { name: spec.name, labels: { ...labels, SERVICE_IGNORE: 'true' } }));
  }

  async runningIds(): Promise<string[]> {
    return (await this.listContainers({ filters: { status: ['running', 'paused'] } })).map((c) => c.Id);
  }

  private get(id: string): ContainerInspectInfo {
    const info = this.containers.get(id);
    if (!info) throw notFound(id);
    return info;
  }

  /** Docker's event: the container's name and labels among the attributes, on every open stream and in the log. */
  event(id: string, action: string, extra: Record<string, string> = {}): void {
    const info = this.containers.get(id);
    const attributes = { ...info?.Config.Labels, name: info?.Name.replace(/^\//, '') ?? id, ...extra };
    const nanos = BigInt(Date.now()) * 1_000_000n;
    const event: RecordedEvent = {
      Type: 'container',
      Action: action,
      Actor: { ID: id, Attributes: attributes },
      time: Number(nanos / 1_000_000_000n),
      timeNano: Number(nanos),
    };
    this.log.push(event);
    for (const stream of this.live) stream.write(JSON.stringify(event) + '\n');
  }
}

interface ContainerSummary {
  Id: string;
  Labels: Record<string, string>;
  State: string;
}

/** A `label` filter of Docker's list: `key` or `key=value`. */
function hasLabel(labels: Record<string, string>, filter: string): boolean {
  const eq = filter.indexOf('=');
  return eq < 0 ? filter in labels : labels[filter.slice(0, eq)] === filter.slice(eq + 1);
}
