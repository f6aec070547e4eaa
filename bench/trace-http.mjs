// Preloaded into the registrar by bench/trace.ts (node --import): one JSON line on stdout per HTTP
// request it makes (Docker and Consul alike, from node:http's diagnostics channels) with when it
// was sent and answered, and one per chunk of Docker's event stream with when it was read. Times
// are ms since the epoch, the clock of the registrar's own log lines.
import dc from 'node:diagnostics_channel';

const now = () => performance.timeOrigin + performance.now();
const sent = new WeakMap();
const write = (fields) => process.stdout.write(`${JSON.stringify({ level: 30, event: 'trace', time: now(), ...fields })}\n`);

dc.subscribe('http.client.request.start', ({ request }) => {
  sent.set(request, now());
  if (!request.path.startsWith('/events') && !request.path.includes('/events?')) return;
  request.on('response', (res) =>
    res.on('data', (chunk) => {
      for (const id of String(chunk).match(/"id":"[0-9a-f]{64}"/g) ?? []) write({ step: 'event-read', containerId: id.slice(6, -1) });
    }),
  );
});
dc.subscribe('http.client.response.finish', ({ request }) => {
  if (request.path.includes('/events')) return;
  const bytes = Number(request.getHeader('content-length') ?? 0);
  write({ step: `${request.method} ${request.path.split('?')[0]}${bytes ? ` (${bytes} B)` : ''}`, sentAt: sent.get(request) });
});
