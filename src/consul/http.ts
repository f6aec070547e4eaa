import http from 'node:http';
import https from 'node:https';

/**
 * A JSON PUT to the agent's HTTP API over the connection's own keep-alive agent (TLS settings
 * included) with the token header. Written here because the `consul` package's register() cannot
 * send ?replace-existing-checks and drops check fields it does not know, and its raw request method
 * is private. Errors carry the same shape as that package's (statusCode, response.body, isPapi),
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
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    const payload = Buffer.from(JSON.stringify(body));
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json', 'content-length': payload.length };
    const token = this.token();
    if (token) headers['x-consul-token'] = token;
    const request = url.protocol === 'https:' ? https.request : http.request;
    await new Promise<void>((resolve, reject) => {
      const req = request(url, { method: 'PUT', agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.length < 64 && chunks.push(chunk)); // an error body is short
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status < 300) return resolve();
          const text = Buffer.concat(chunks).toString('utf8').slice(0, 1000);
          reject(
            Object.assign(new Error(`${status} ${res.statusMessage ?? ''}`.trim()), {
              statusCode: status,
              isPapi: true,
              response: { body: text },
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
  }
}
