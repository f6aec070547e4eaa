import type { Logger } from 'pino';
import type { Part } from '../part.js';
import { isUnknownCheck, statusOf } from '../consul/errors.js';
import { describeError } from '../errors.js';
import type { Registration } from '../model/registration.js';
import type { TtlUpdater } from './ttl-report.js';

/** --ttl and --ttl-refresh, in ms. */
export interface RegistrarTtl {
  ttlMs: number;
  refreshMs: number;
}

/** What the heartbeat asks of the agent (consul/agent.ts in production, an in-memory agent in tests). */
export interface HeartbeatAgent extends TtlUpdater {
  register(reg: Registration): Promise<void>;
  deregister(serviceId: string): Promise<void>;
}

/** The ID of the registrar's own service on its agent: one per host ID, so registrars sharing an agent keep theirs apart. */
export function registrarServiceId(hostId: string): string {
  return `consul-registrar:${hostId}`;
}

/**
 * --ttl: the registrar's own service `consul-registrar` with a TTL check refreshed every
 * --ttl-refresh. Every service it registers carries an alias check of it (model/checks.ts), so
 * they all turn critical when this process stops refreshing. The service carries no ownership
 * Meta (the reconciler never mistakes it for a container's), and Consul removes it after ten
 * critical minutes, so a registrar stopped for good, or restarted without --ttl, leaves nothing.
 */
export class Heartbeat implements Part {
  private readonly checkId: string;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private failing = false;
  private stopped = false;

  constructor(
    private readonly consul: HeartbeatAgent,
    private readonly serviceId: string,
    private readonly ttl: RegistrarTtl,
    private readonly log: Logger,
    /** Told when the agent no longer knew the check (it lost its state): the other services need a pass too. */
    private readonly onLost: () => void = () => undefined,
  ) {
    this.checkId = `service:${serviceId}:ttl`;
  }

  /** Registers the service (again): at start, and when the agent may have lost it (AgentWatch, or an unknown check). */
  async ensure(): Promise<void> {
    const service: Registration = {
      ID: this.serviceId,
      Name: 'consul-registrar',
      Tags: [],
      Address: '',
      Port: 0,
      Meta: {},
      Checks: [
        {
          CheckID: this.checkId,
          Name: 'consul-registrar running',
          TTL: `${this.ttl.ttlMs}ms`,
          Status: 'passing',
          DeregisterCriticalServiceAfter: '10m',
        },
      ],
    };
    await this.consul.register(service);
  }

  /** Registers the service, then refreshes it every --ttl-refresh. */
  async start(): Promise<void> {
    await this.ensure().catch(() => undefined); // a failure is the refreshes' to report
    this.timer = setInterval(() => void this.refresh(), this.ttl.refreshMs);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** --deregister-on-exit, after the services that follow it. */
  async remove(): Promise<void> {
    await this.consul.deregister(this.serviceId);
  }

  /**
   * One at a time; a check the agent does not know (it lost its state) is registered again, and
   * the caller told (an agent can lose its services and keep its node ID, which AgentWatch would not notice). One
   * warning per run of failures: a refusal repeats at every refresh.
   */
  private async refresh(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      await this.consul.updateTtl(this.checkId, 'passing', 'consul-registrar is running').catch(async (err: unknown) => {
        if (!isUnknownCheck(err) || this.stopped) throw err;
        await this.ensure();
        if (!this.stopped) this.onLost();
      });
      this.failing = false;
    } catch (err) {
      if (!this.failing) {
        const status = statusOf(err);
        const fix = status === 403 ? 'give the ACL token service:write on consul-registrar' : 'retrying every refresh';
        this.log.warn(
          { event: 'ttl-refresh-failed', status, err: describeError(err), serviceId: this.serviceId },
          `--ttl: cannot refresh ${this.serviceId}, so this host's services turn critical when its TTL runs out; ${fix}`,
        );
      }
      this.failing = true;
    } finally {
      this.busy = false;
    }
  }
}
