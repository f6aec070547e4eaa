import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import type { Part } from '../part.js';
import { TIMINGS } from '../timings.js';

export interface StatusSources {
  /** Prometheus text for /metrics. */
  metrics: () => string;
  /** What /healthz reports; `ok` false answers 503. */
  health: () => Promise<{ ok: boolean } & Record<string, unknown>>;
}

/**
 * The status server as a part of the registrar; no address (--http-addr '') serves nothing. It is
 * started before Docker and Consul are reached, so a probe sees a registrar that is still waiting
 * for them, and then serves the running registrar's sources (serve()).
 */
export class StatusServer implements Part {
  private server: Server | undefined;

  constructor(
    private readonly addr: string | undefined,
    private sources: StatusSources,
    private readonly log: Logger,
  ) {}

  /** Answers from these sources from now on. */
  serve(sources: StatusSources): void {
    this.sources = sources;
  }

  start(): void {
    if (!this.addr || this.server) return;
    this.server = startStatusServer(this.addr, { metrics: () => this.sources.metrics(), health: () => this.sources.health() }, this.log);
  }

  stop(): void {
    this.server?.close();
  }
}

/** /healthz and /metrics on --http-addr (loopback by default: nothing here is for the network). */
export function startStatusServer(addr: string, sources: StatusSources, log: Logger): Server {
  const { host, port } = splitAddr(addr);
  // Small and bounded: a few scrapers and probes, nothing more (a flood of clients must not cost memory).
  const server = createServer(
    { maxHeaderSize: 8 * 1024, requestTimeout: TIMINGS.statusRequestTimeoutMs, headersTimeout: TIMINGS.statusRequestTimeoutMs },
    (req, res) => {
      void (async () => {
        if (req.url === '/metrics') {
          res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(sources.metrics());
        } else if (req.url === '/healthz') {
          const health = await sources.health();
          res.writeHead(health.ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(health) + '\n');
        } else {
          res.writeHead(404).end('try /healthz or /metrics\n');
        }
      })().catch(() => res.writeHead(500).end());
    },
  );
  server.maxConnections = 64;
  server.on('error', (err) =>
    log.error({ err: err.message }, `cannot serve /healthz and /metrics on ${addr}; set --http-addr (REGISTRAR_HTTP_ADDR)`),
  );
  server.listen(port, host, () => {
    const bound = server.address();
    log.info({ httpPort: typeof bound === 'object' && bound ? bound.port : port }, `serving /healthz and /metrics on ${addr}`);
  });
  server.unref();
  return server;
}

/** host:port of --http-addr; an empty host means loopback. */
export function splitAddr(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  return { host: addr.slice(0, i).replace(/^\[|\]$/g, '') || '127.0.0.1', port: Number(addr.slice(i + 1)) };
}
