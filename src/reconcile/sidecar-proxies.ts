import type { Logger } from 'pino';
import { PROXY_LABELS } from '../model/connect.js';
import type { ProxyFact } from '../model/facts.js';
import { describeError } from '../errors.js';
import type { ProxySpec } from '../model/registration.js';
import type { Part } from '../part.js';
import { TIMINGS } from '../timings.js';
import { KeyedQueue } from './keyed-queue.js';
import { proxyFingerprint, proxyMayStay, RestartBackoff, REMOVAL_WORDS, removalReason } from './proxy-restarts.js';
import type { ProxyTokens } from './proxy-tokens.js';

/** What the sidecar keeper asks of Docker (docker/proxies.ts in production). */
export interface ProxyEngine {
  /** This host ID's proxy containers, of one app or all, in every state. */
  list(hostId: string, appId?: string): Promise<ProxyFact[]>;
  /** Creates and starts a proxy in its app's network namespace; secretEnv is in its environment, and nowhere else. */
  run(spec: ProxySpec, labels: Record<string, string>, secretEnv?: Record<string, string>): Promise<void>;
  /** Removes a proxy container, running or not; one already gone counts as removed. */
  remove(id: string): Promise<void>;
  /** IDs of the running containers (the apps whose proxies may stay). */
  runningIds(): Promise<string[]>;
}

/**
 * Keeps one proxy container running per Connect sidecar (--connect-proxy-image), level-triggered
 * like the registrations: each sync of an app says which proxies it should have now; what Docker
 * has is compared with that and the difference made. A proxy that is missing, stopped, started
 * for an earlier run of its app (it would sit in a dead network namespace) or with other settings
 * is replaced; one whose app stopped, or that no sidecar asks for, is removed. A proxy that keeps
 * failing is started again after a growing pause (both rules: proxy-restarts.ts). Proxies are left running when the registrar
 * stops, as its registrations are.
 */
export class SidecarProxies implements Part {
  private readonly queue = new KeyedQueue();
  /** Apps that had proxies when Docker was last asked: an app with none, and none wanted, needs no question. */
  private readonly withProxies = new Set<string>();
  private readonly backoff: RestartBackoff;
  private readonly timers = new Set<NodeJS.Timeout>();
  /**
   * Proxies Docker said ended (die, destroy): its container list may still call one running just
   * after the event (seen on dockerd 20.10), and a proxy is never started again, only replaced.
   */
  private readonly ended = new Set<string>();
  private stopped = false;
  /** ACLs are on and the registrar's token may not mint proxy tokens: no proxy is started. */
  private refused = false;

  constructor(
    private readonly engine: ProxyEngine,
    private readonly hostId: string,
    private readonly log: Logger,
    /** Asks for the app to be synced again (a proxy of it ended, or its restart pause is over). */
    private readonly lookAgain: (appId: string) => void,
    now: () => number = () => performance.now(),
    /** With ACLs on (and no shared token): each proxy's token of its own. */
    private readonly tokens?: ProxyTokens,
  ) {
    this.backoff = new RestartBackoff(now);
  }

  async start(): Promise<void> {
    if (!this.tokens || (await this.tokens.mayMint())) return;
    this.refused = true;
    this.log.error(
      { event: 'proxy-tokens-refused' },
      'Consul ACLs are on and the registrar\'s token may not create ACL tokens (acl = "write"): no Connect proxy is started, ' +
        'sidecars are registered for proxies the operator runs (docs/connect.md gives the policy; ' +
        '--connect-proxy-token shares one token, for hosts whose container authors are trusted)',
    );
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** The reconciler's word after syncing an app: the proxies it should have now. */
  sync(appId: string, wanted: ProxySpec[]): Promise<void> {
    const specs = this.refused ? [] : wanted;
    if (this.stopped || (specs.length === 0 && !this.withProxies.has(appId))) return Promise.resolve();
    return this.queue.run(appId, () => this.apply(appId, specs));
  }

  /** A Docker event for a proxy of this registrar (`ended`: a die or removal, docker/events' stoppedHint): its app is looked at again. */
  onEvent(proxyId: string, ended: boolean, attributes: Record<string, string>): void {
    const appId = attributes[PROXY_LABELS.app];
    if (!appId || attributes[PROXY_LABELS.host] !== this.hostId) return;
    if (ended) this.ended.add(proxyId);
    this.lookAgain(appId);
  }

  /**
   * Before each full pass: every proxy of this host ID is listed, so the pass knows which apps
   * have one, and those whose app is not running are removed (the pass does not visit such apps).
   */
  async repair(): Promise<void> {
    const tokens = await this.ourTokens(); // before the proxies: see ProxyTokens.revokeLeftovers
    const proxies = await this.engine.list(this.hostId);
    if (tokens) await this.revokeLeftovers(tokens, proxies);
    for (const id of this.ended) if (!proxies.some((p) => p.id === id)) this.ended.delete(id); // gone
    this.withProxies.clear();
    for (const proxy of proxies) this.withProxies.add(proxy.appId);
    if (proxies.length === 0) return;
    const running = new Set(await this.engine.runningIds());
    const orphans = new Set(proxies.filter((p) => !running.has(p.appId)).map((p) => p.appId));
    await Promise.all([...orphans].map((appId) => this.sync(appId, [])));
  }

  private async apply(appId: string, specs: ProxySpec[]): Promise<void> {
    try {
      const actual = await this.engine.list(this.hostId, appId);
      const wanted = new Map(specs.map((spec) => [spec.sidecarId, { spec, fingerprint: proxyFingerprint(spec) }]));
      for (const proxy of actual) {
        const want = wanted.get(proxy.sidecarId);
        if (proxyMayStay(proxy, want?.fingerprint, this.ended.has(proxy.id))) {
          wanted.delete(proxy.sidecarId);
          continue;
        }
        await this.engine.remove(proxy.id);
        this.ended.delete(proxy.id);
        if (proxy.tokenAccessor) await this.revoke(proxy.tokenAccessor, appId);
        const reason = removalReason(proxy, want?.fingerprint);
        this.log.info(
          { event: 'proxy-removed', reason, containerId: appId, proxy: proxy.id, sidecar: proxy.sidecarId },
          `removed proxy ${proxy.id.slice(0, 12)} of ${proxy.sidecarId} (${REMOVAL_WORDS[reason]})`,
        );
      }
      for (const { spec, fingerprint } of wanted.values()) await this.startProxy(spec, fingerprint);
      if (specs.length > 0) this.withProxies.add(appId);
      else this.withProxies.delete(appId);
      this.backoff.keepOnly(
        appId,
        specs.map((s) => s.sidecarId),
      );
    } catch (err) {
      this.log.warn(
        { event: 'proxy-failed', containerId: appId, err: describeError(err) },
        `container ${appId.slice(0, 12)}: its Connect proxy could not be started or removed (${describeError(err)}); retried at the next pass`,
      );
    }
  }

  private async startProxy(spec: ProxySpec, fingerprint: string): Promise<void> {
    const wait = this.backoff.pauseBefore(spec);
    if (wait > 0) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.lookAgain(spec.appId);
      }, wait);
      this.timers.add(timer);
      this.log.warn(
        { event: 'proxy-backoff', containerId: spec.appId, sidecar: spec.sidecarId, waitMs: wait },
        `the proxy of ${spec.sidecarId} keeps ending within ${TIMINGS.proxyStableMs / 1000} ` +
          `s; started again in ${Math.round(wait / 1000)} s (docker logs of the proxy say why)`,
      );
      return;
    }
    const labels: Record<string, string> = {
      [PROXY_LABELS.app]: spec.appId,
      [PROXY_LABELS.host]: this.hostId,
      [PROXY_LABELS.sidecar]: spec.sidecarId,
      [PROXY_LABELS.fingerprint]: fingerprint,
    };
    if (spec.ownToken && this.tokens) {
      const token = await this.tokens.mint(spec);
      labels[PROXY_LABELS.tokenAccessor] = token.accessorId;
      try {
        await this.engine.run(spec, labels, { CONSUL_HTTP_TOKEN: token.secretId });
      } catch (err) {
        await this.revoke(token.accessorId, spec.appId); // a proxy created but not started is removed, and its token revoked, at the next sync
        throw err;
      }
    } else {
      await this.engine.run(spec, labels);
    }
    this.log.info(
      { event: 'proxy-started', containerId: spec.appId, sidecar: spec.sidecarId, image: spec.image },
      `started the Connect proxy of ${spec.sidecarId}`,
    );
  }

  /** Revokes a proxy's token; one that cannot be revoked now is a leftover the next repair finds. */
  private async revoke(accessorId: string, appId: string): Promise<void> {
    await this.tokens
      ?.revoke(accessorId)
      .catch((err: unknown) =>
        this.log.warn(
          { event: 'proxy-token-failed', containerId: appId, err: describeError(err) },
          `the ACL token of a Connect proxy of ${appId.slice(0, 12)} could not be revoked (${describeError(err)}); retried at the next pass`,
        ),
      );
  }

  /** This host ID's proxy tokens now; undefined when there are none to look for, or Consul did not answer (the next pass asks again). */
  private async ourTokens(): Promise<string[] | undefined> {
    if (!this.tokens || this.refused) return undefined;
    try {
      return await this.tokens.ours();
    } catch (err) {
      this.log.warn(
        { event: 'proxy-token-failed', err: describeError(err) },
        `the ACL tokens of Connect proxies could not be listed (${describeError(err)}); retried at the next pass`,
      );
      return undefined;
    }
  }

  /** Tokens of this host ID that no proxy container carries (its proxy was removed while the registrar was away). */
  private async revokeLeftovers(tokens: string[], proxies: ProxyFact[]): Promise<void> {
    const kept = new Set(proxies.flatMap((p) => (p.tokenAccessor ? [p.tokenAccessor] : [])));
    const revoked = await this.tokens!.revokeLeftovers(tokens, kept).catch((err: unknown) => {
      this.log.warn(
        { event: 'proxy-token-failed', err: describeError(err) },
        `ACL tokens of Connect proxies that no longer exist could not be revoked (${describeError(err)}); retried at the next pass`,
      );
      return 0;
    });
    if (revoked > 0) {
      this.log.info(
        { event: 'proxy-tokens-revoked', count: revoked },
        `revoked ${revoked} ACL tokens of Connect proxies that no longer exist`,
      );
    }
  }
}
