import { readFileSync } from 'node:fs';

/**
 * The ACL token every request carries. One read from CONSUL_HTTP_TOKEN_FILE can go stale: when the
 * agent answers that it does not know the token (revoked, rotated), the file is read again, so a
 * rotation needs no restart. A token given directly (CONSUL_HTTP_TOKEN) never changes.
 */
export class TokenSource {
  constructor(
    private value: string | undefined,
    private readonly file?: string,
  ) {}

  get current(): string | undefined {
    return this.value;
  }

  /** Reads the token file again; true when it now holds another token. */
  reload(): boolean {
    if (!this.file) return false;
    try {
      const token = readFileSync(this.file, 'utf8').trim() || undefined;
      if (token === this.value) return false;
      this.value = token;
      return true;
    } catch {
      return false; // unreadable for now: keep the token we have, and try again next time
    }
  }
}
