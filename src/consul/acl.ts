import type { AgentHttp } from './http.js';
import { statusOf } from './errors.js';

/** An ACL token as the list shows it: its accessor (not its secret) and its description. */
export interface AclTokenEntry {
  accessorId: string;
  description: string;
}

/** What creating a token asks for: a description, and the services it may act as (Consul service identities). */
export interface AclTokenRequest {
  description: string;
  serviceIdentities: string[];
}

/**
 * Consul's ACL token API (/v1/acl/token), which the `consul` package does not cover. It knows no
 * policy: which tokens are the registrar's, and when they go, is reconcile/proxy-tokens.ts's.
 */
export class AclTokens {
  constructor(
    private readonly http: AgentHttp,
    /** Runs a call with the registrar's current token (consul/agent.ts: a rotated token file is read again). */
    private readonly withToken: <T>(call: () => Promise<T>) => Promise<T>,
  ) {}

  /** A new token local to this datacenter; its secret goes to the caller alone. */
  async create(request: AclTokenRequest): Promise<{ accessorId: string; secretId: string }> {
    const body = {
      Description: request.description,
      ServiceIdentities: request.serviceIdentities.map((ServiceName) => ({ ServiceName })),
      Local: true,
    };
    const answer = (await this.withToken(() => this.http.request('PUT', '/acl/token', body))) as { AccessorID: string; SecretID: string };
    return { accessorId: answer.AccessorID, secretId: answer.SecretID };
  }

  async list(): Promise<AclTokenEntry[]> {
    const answer = (await this.withToken(() => this.http.request('GET', '/acl/tokens'))) as
      { AccessorID: string; Description?: string }[] | undefined;
    return (answer ?? []).map((t) => ({ accessorId: t.AccessorID, description: t.Description ?? '' }));
  }

  /** Revokes a token; one already gone counts as revoked. */
  async delete(accessorId: string): Promise<void> {
    try {
      await this.withToken(() => this.http.request('DELETE', `/acl/token/${encodeURIComponent(accessorId)}`));
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
  }
}
