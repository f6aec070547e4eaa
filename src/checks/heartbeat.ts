import type { Logger } from 'pino';
import type { ConsulAgent } from '../consul/agent.js';
import { isUnknownCheck } from '../consul/errors.js';
import { describeError } from '../errors.js';
import type { Registration } from '../model/registration.js';

/** --ttl and --ttl-refresh, in ms. */
export interface RegistrarTtl {
  ttlMs: number;
  refreshMs: number;
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
export class Heartbeat {
  private readonly checkId: string;
  private timer: NodeJS.Timeout | undefined;
  private failing = false;

  constructor(
    private readonly consul: ConsulAgent,
    private readonly serviceId: string,
    private readonly ttl: RegistrarTtl,
    private readonly log: Logger,
  ) {
    this.checkId = `service:${serviceId}:ttl`;
  }

  /** Registers the service (again): every full pass does, so an agent that lost its state gets it back. */
  async ensure(): Promise<void> {
    const service: Registration = {
      ID: this.serviceId,
      Name: 'consul-registrar',
      Tags: [],
      Address: '',
      Port: 0,
      Meta: {},
      Checks: [{ CheckID: this.checkId, Name: 'consul-registrar running', TTL: `${this.ttl.ttlMs}ms`, Status: 'passing', DeregisterCriticalServiceAfter: '10m' }],
    };
    await this.consul.register(service);
  }

  start(): void {
    this.timer = setInterval(() => void this.refresh(), this.ttl.refreshMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** --deregister-on-exit: the services that follow it are removed too. */
  async remove(): Promise<void> {
    await this.consul.deregister(this.serviceId);
  }

  /** One warning per run of failures: a refusal (an ACL token without service:write on it) repeats every refresh. */
  private async refresh(): Promise<void> {
    try {
      await this.consul.updateTtl(this.checkId, 'passing', 'consul-registrar is running');
      this.failing = false;
    } catch (err) {
      if (isUnknownCheck(err)) await this.ensure().catch(() => undefined);
      if (!this.failing) {
        this.log.warn(
          { err: describeError(err), serviceId: this.serviceId },
          `--ttl: cannot refresh the TTL of service ${this.serviceId}, so every service of this host turns critical after ${this.ttl.ttlMs / 1000} s; the token needs service:write on consul-registrar (retrying every refresh)`,
        );
      }
      this.failing = true;
    }
  }
}
