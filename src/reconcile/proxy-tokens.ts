import type { Logger } from 'pino';
import { statusOf } from '../consul/errors.js';
import { describeError } from '../errors.js';
import type { ProxySpec } from '../model/registration.js';

/** Consul's ACL token API as the proxy tokens need it (consul/acl.ts in production). */
export interface TokenApi {
  create(request: { description: string; serviceIdentities: string[] }): Promise<{ accessorId: string; secretId: string }>;
  list(): Promise<{ accessorId: string; description: string }[]>;
  delete(accessorId: string): Promise<void>;
}

/** A minted token: the secret goes into the proxy's environment and nowhere else. */
export interface ProxyToken {
  accessorId: string;
  secretId: string;
}

/**
 * One ACL token per Connect proxy, minted with a service identity for the proxy's service alone
 * (what its sidecar needs: that service's leaf certificate and registration, read access to find
 * upstreams). The description names this host ID, which is how the registrar finds its tokens again;
 * a token whose proxy container no longer exists is revoked.
 */
export class ProxyTokens {
  /** Minted by this process and not yet seen on a listed proxy nor revoked: a repair must not take them for leftovers. */
  private readonly pending = new Set<string>();

  constructor(
    private readonly api: TokenApi,
    private readonly hostId: string,
    private readonly log: Logger,
  ) {}

  /** The description every token of this host ID starts with (host IDs have no spaces). */
  private get marker(): string {
    return `consul-registrar proxy token host=${this.hostId} `;
  }

  async mint(spec: ProxySpec): Promise<ProxyToken> {
    const token = await this.api.create({
      description: `${this.marker}sidecar=${spec.sidecarId} app=${spec.appId.slice(0, 12)}`,
      serviceIdentities: [spec.serviceName],
    });
    this.pending.add(token.accessorId);
    return token;
  }

  async revoke(accessorId: string): Promise<void> {
    this.pending.delete(accessorId);
    await this.api.delete(accessorId);
  }

  /**
   * Whether the registrar's token may mint tokens (acl = "write"): a token is minted and revoked at
   * once. False only when Consul says no (403); another failure is left for the first proxy to meet.
   */
  async mayMint(): Promise<boolean> {
    try {
      const probe = await this.api.create({ description: `${this.marker}probe`, serviceIdentities: ['consul-registrar-probe'] });
      await this.api.delete(probe.accessorId).catch(() => undefined); // a probe left behind goes at the next repair
      return true;
    } catch (err) {
      if (statusOf(err) === 403) return false;
      this.log.warn(
        { event: 'proxy-token-failed', err: describeError(err) },
        `could not check that the registrar may mint proxy tokens (${describeError(err)}); each proxy tries when it starts`,
      );
      return true;
    }
  }

  /** This host ID's tokens, as listed now: call before listing the proxies that keep theirs (see repair). */
  async ours(): Promise<string[]> {
    return (await this.api.list()).filter((t) => t.description.startsWith(this.marker)).map((t) => t.accessorId);
  }

  /**
   * Revokes the tokens of `listed` (from ours(), taken before the proxies were listed) that no proxy
   * in `kept` carries and that this process has not minted since: so a token minted in between, or
   * whose proxy is being created, is kept. From now on the listed proxies' labels account for theirs.
   */
  async revokeLeftovers(listed: string[], kept: Set<string>): Promise<number> {
    for (const id of kept) this.pending.delete(id);
    const leftovers = listed.filter((id) => !kept.has(id) && !this.pending.has(id));
    for (const accessorId of leftovers) await this.api.delete(accessorId);
    return leftovers.length;
  }
}
