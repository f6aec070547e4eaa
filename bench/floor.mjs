// The benchmark's floor (issue 13): the least a registrar can do, to measure the real one against
// in the same run. Follows Docker's start and die events, inspects each started container and
// registers each exposed port under the container's address with one PUT; deregisters on die.
// No checks, no ownership, no retries, no full pass. Plain JavaScript, so that no compiler or
// loader sits in its CPU and memory figures, with node:http for Consul (fetch would load undici,
// ~40 MiB) and the registrar's own node flags (the bench passes them), so that only the
// registrar's own work differs. Logs one JSON line per write, as the registrar does.
// At start it registers every running container, FLOOR_CONCURRENCY (8) at a time, as the
// registrar's first full pass does, and logs that pass's time.
// FLOOR_GUARD=1 adds what the registrar's ownership guard costs a start: one filtered read of the
// agent's services before the PUTs (the floor ignores its answer).
// Usage: node bench/floor.mjs HOST_ID   (DOCKER_HOST unix socket, CONSUL_HTTP_ADDR host:port)
import { Buffer } from 'node:buffer';
import http from 'node:http';
import { createInterface } from 'node:readline';
import Docker from 'dockerode';

const hostId = process.argv[2] ?? 'floor';
const docker = new Docker({ socketPath: (process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock').replace(/^unix:\/\//, '') });
const consul = `http://${process.env.CONSUL_HTTP_ADDR ?? '127.0.0.1:8500'}/v1/agent/service`;
const agent = new http.Agent({ keepAlive: true });

/** One PUT to the agent, resolved once it has answered. */
const put = (path, body) =>
  new Promise((resolve, reject) => {
    const req = http.request(`${consul}${path}`, { method: 'PUT', agent }, (res) => res.resume().on('end', resolve));
    req.on('error', reject).end(body);
  });
const guard = process.env.FLOOR_GUARD === '1';
/** The agent's services that a filter names, as the registrar's guard asks for them. */
const listed = (filter) =>
  new Promise((resolve, reject) => {
    const url = `http://${process.env.CONSUL_HTTP_ADDR ?? '127.0.0.1:8500'}/v1/agent/services?filter=${encodeURIComponent(filter)}`;
    http
      .get(url, { agent }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c)).on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString() || '{}')));
      })
      .on('error', reject);
  });
const owned = new Map(); // container ID → service IDs

const log = (fields) => process.stdout.write(`${JSON.stringify({ level: 30, time: Date.now(), ...fields })}\n`);

async function started(id) {
  const info = await docker.getContainer(id).inspect();
  const name = info.Name.slice(1);
  const address = Object.values(info.NetworkSettings.Networks ?? {})[0]?.IPAddress ?? '';
  const ids = [];
  if (guard) await listed(`ID matches "(?i)^${hostId}:${name}:" or Meta.container_id == "${id}"`);
  for (const key of Object.keys(info.Config.ExposedPorts ?? {})) {
    const port = Number(key.split('/')[0]);
    const serviceId = `${hostId}:${name}:${port}`;
    const body = { ID: serviceId, Name: info.Config.Labels?.SERVICE_NAME ?? name, Address: address, Port: port };
    await put('/register', JSON.stringify(body));
    ids.push(serviceId);
    log({ event: 'registered', containerId: id, serviceId });
  }
  owned.set(id, ids);
}

async function died(id) {
  for (const serviceId of owned.get(id) ?? []) {
    await put(`/deregister/${encodeURIComponent(serviceId)}`);
    log({ event: 'deregistered', containerId: id, serviceId });
  }
  owned.delete(id);
}

const stream = await docker.getEvents({ filters: { type: ['container'], event: ['start', 'die'] } });
const began = performance.now();
const running = (await docker.listContainers()).map((c) => c.Id);
const queue = [...running];
const worker = async () => {
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) await started(id);
};
await Promise.all(Array.from({ length: Number(process.env.FLOOR_CONCURRENCY ?? 8) }, worker));
// Ready: what the bench waits for, with the first pass's figures as the registrar gives them.
log({ event: 'full-pass', containers: running.length, failed: 0, ms: Math.round(performance.now() - began) });
createInterface({ input: stream }).on('line', (line) => {
  const event = JSON.parse(line);
  const work = event.Action === 'start' ? started(event.Actor.ID) : died(event.Actor.ID);
  work.catch((err) => log({ level: 50, msg: String(err) }));
});
process.on('SIGTERM', () => process.exit(0));
