import http from 'node:http';
import https from 'node:https';

/**
 * JSON requests to the agent's HTTP API over the connection's own keep-alive agent (TLS settings
 * included) with the token header. Written here because the `consul` package's register() cannot
 * send ?replace-existing-checks and drops check fields it does not know, it has no ACL token calls,
 * and its raw request method is private. Errors carry the same shape as that package's (statusCode, response.body, isPapi),
 * so errors.ts reads both alike.
 */
export class AgentHttp {
  constructor(
    private readonly baseUrl: string,
    private readonly agent: http.Agent,
    private readonly token: () => string | undefined,
    /** The whole request, answer included, is abandoned after this long. */
    private readonly timeoutMs: number,
  ) {}

  async put(path: string, body: unknown, query: Record<string, string> = {}): Promise<void> {
    await this.request('PUT', path, body, query);
  }

  /** Any call; the answer's JSON (undefined when empty). */
  async request(method: string, path: string, body?: unknown, query: Record<string, string> = {}): Promise<unknown> {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: http.OutgoingHttpHeaders = payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {};
    const token = this.token();
    if (token) headers['x-consul-token'] = token;
    const request = url.protocol === 'https:' ? https.request : http.request;
    const text = await new Promise<string>((resolve, reject) => {
      const req = request(url, { method, agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          if (status < 300) {
            if (size > MAX_ANSWER_BYTES) return reject(new Error(`Consul's answer to ${method} ${path} is over ${MAX_ANSWER_BYTES} bytes`));
            return resolve(text);
          }
          reject(
            Object.assign(new Error(`${status} ${res.statusMessage ?? ''}`.trim()), {
              statusCode: status,
              isPapi: true,
              response: { body: text.slice(0, 1000) },
            }),
          );
        });
      });
      req.on('error', reject);
      const timer = setTimeout(
        () => req.destroy(Object.assign(new Error(`Consul did not answer within ${this.timeoutMs} ms`), { code: 'ETIMEDOUT' })),
        this.timeoutMs,
      );
      req.on('close', () => clearTimeout(timer));
      req.end(payload);
    });
    return text.trim() === '' ? undefined : (JSON.parse(text) as unknown);
  }
}

/** The largest answer read (a list of every ACL token of a big datacenter fits). */
const MAX_ANSWER_BYTES = 32 * 2 ** 20;
