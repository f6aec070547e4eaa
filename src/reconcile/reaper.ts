// An ID registered by an earlier version that Consul's API cannot deregister ("/x", "../..": its
// router answers 301) is registered again without our Meta and with a check that Consul's reaper
// removes a minute later.
import type { Logger } from 'pino';
import type { Registration } from '../model/registration.js';
import type { OwnedService } from './ownership.js';
import type { Write } from './retried-write.js';
import type { ServiceAgent } from './service-agent.js';

/** The service as Consul's reaper will remove it: no Meta, and a check that turns critical at once. */
export function reaperRegistration(service: OwnedService): Registration {
  return {
    ID: service.id,
    Name: service.name,
    Tags: [],
    Address: service.address,
    Port: service.port,
    Meta: {},
    // A TTL that expires at once: Consul 1.8.7 never reaps a check that was only registered critical
    // (measured), but reaps one that turned critical, a minute later (measured: 65 s).
    Checks: [
      {
        CheckID: `service:${service.id}:remove`,
        Name: 'left by an earlier consul-registrar',
        TTL: '1s',
        Status: 'critical',
        DeregisterCriticalServiceAfter: '1m',
      },
    ],
  };
}

/** Hands such services to Consul's reaper, and says once per ID what happens to it. */
export class Reaper {
  private readonly reported = new Set<string>();

  constructor(
    private readonly consul: Pick<ServiceAgent, 'register'>,
    private readonly write: Write,
    private readonly log: Logger,
  ) {}

  async hand(containerId: string, service: OwnedService): Promise<void> {
    await this.write(containerId, () => this.consul.register(reaperRegistration(service)));
    if (this.reported.has(service.id)) return;
    this.reported.add(service.id);
    this.log.warn(
      { containerId, serviceId: service.id },
      `service ID ${JSON.stringify(service.id)} cannot be deregistered through Consul's HTTP API (it reads as a path); ` +
        'it is marked critical and Consul removes it about a minute later. ' +
        'If it stays, restart the Consul agent after removing its file from <data_dir>/services',
    );
  }
}
