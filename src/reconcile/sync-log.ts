// The reconciler's log lines: what each says and at which level. Tests read the `event` and `code`
// fields, never the wording.
import type { Logger } from 'pino';
import { hostWideProblem } from '../consul/errors.js';
import { describeError } from '../errors.js';
import { findingLevel } from '../model/finding-codes.js';
import type { Finding } from '../model/findings.js';
import type { Registration } from '../model/registration.js';
import type { TakenBack } from './ownership-guard.js';

/** Which container a line is about. */
export interface Named {
  id: string;
  name: string;
}

export class SyncLog {
  /** The host-wide problem with Consul last seen, until a sync succeeds again. */
  private hostWide: string | undefined;

  constructor(private readonly log: Logger) {}

  /** A problem with Consul that concerns every container (see consul/errors.ts), while it lasts. */
  get consulProblem(): string | undefined {
    return this.hostWide;
  }

  /** One line per finding: warn for refusals, info for skips. */
  finding(c: Named, f: Finding): void {
    const fields = {
      event: 'finding',
      code: f.code,
      container: c.name,
      containerId: c.id,
      ...(f.port === undefined ? {} : { port: f.port }),
      ...(f.label === undefined ? {} : { label: f.label }),
    };
    // The ownership guard's texts end with their fix already: it is not said twice.
    const fix = f.fix && !f.text.endsWith(f.fix) ? ` — ${f.fix}` : '';
    this.log[findingLevel(f.code)](fields, `container ${c.name}: ${f.text}${fix}`);
  }

  adopted(containerId: string, existingId: string): void {
    this.log.info(
      { event: 'adopted-registrator', code: 'registrator-adopted', containerId, serviceId: existingId },
      `taking over Registrator's ${existingId}`,
    );
  }

  takenBack(c: Named, taken: TakenBack): void {
    const { existingId, squatter, squatterId, finding } = taken;
    this.log.warn(
      {
        event: 'default-id-taken-back',
        code: finding.code,
        container: c.name,
        containerId: c.id,
        serviceId: existingId,
        squatter,
        squatterId,
      },
      `container ${c.name}: ${finding.text} (${finding.fix})`,
    );
  }

  registratorReplaced(c: Named, serviceId: string): void {
    this.log.info(
      { event: 'replaced-registrator', container: c.name, containerId: c.id, serviceId },
      `removed Registrator's ${serviceId}: container ${c.name} is registered by this registrar now`,
    );
  }

  registered(c: Named, reg: Registration): void {
    this.log.info(
      {
        event: 'registered',
        container: c.name,
        containerId: c.id,
        serviceId: reg.ID,
        service: reg.Name,
        address: reg.Address,
        port: reg.Port,
        checks: reg.Checks.length,
      },
      `registered ${reg.ID}`,
    );
  }

  deregistered(c: Named, serviceId: string): void {
    this.log.info({ event: 'deregistered', container: c.name, containerId: c.id, serviceId }, `deregistered ${serviceId}`);
  }

  /** What the operator reads when Consul refuses a registration (logged by `refused`, once). */
  refusalText(container: string, serviceId: string, err: unknown): string {
    return `container ${container}: ${describeError(err)} for service ${serviceId}; fix the container's SERVICE_* labels (retried on every pass)`;
  }

  refused(c: Named, text: string): void {
    this.log.error({ event: 'refused', container: c.name, containerId: c.id }, text);
  }

  checksUnread(err: unknown): void {
    this.log.debug({ err: describeError(err) }, "the agent's checks could not be read; check-critical waits for the next pass");
  }

  passDeadline(late: number, deadlineMs: number): void {
    this.log.warn(
      { event: 'pass-deadline', late },
      `${late} containers took longer than ${deadlineMs} ms; the full pass went on without them`,
    );
  }

  /** A sync succeeded: a host-wide problem is over. */
  syncSucceeded(): void {
    if (this.hostWide !== undefined) this.log.info('Consul accepts the registrar again');
    this.hostWide = undefined;
  }

  /** A sync failed: one line for it, or one for the whole host while a host-wide problem lasts. */
  syncFailed(containerId: string, err: unknown): void {
    const hostWide = hostWideProblem(err);
    if (hostWide === undefined) {
      this.log.warn(
        { event: 'sync-failed', containerId, err: describeError(err) },
        `container ${containerId}: sync failed; the next pass retries`,
      );
    } else if (this.hostWide !== hostWide) {
      this.log.error({ event: 'consul-problem', err: describeError(err), hostWide: true }, hostWide);
    }
    this.hostWide = hostWide;
  }
}
