// /metrics as Prometheus users expect it: promtool's lint passes on what a running registrar
// serves, a real Prometheus server (Debian's, unpacked by the rig) scrapes it with the alert rules
// of deploy/prometheus loaded, and those rules pass their own promtool unit tests.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { Metrics } from '../../src/status/metrics.js';
import { RIG_DIR } from '../support/consul-agent.js';
import { isFullPass, PACKAGE_VERSION, RegistrarProcess } from '../support/registrar-process.js';
import { cleanup, requireRig, runContainer, uniqueName, waitFor } from '../support/rig.js';

const PROMTOOL = join(RIG_DIR, 'promtool');
const PROMETHEUS = join(RIG_DIR, 'prometheus');
const RULES = fileURLToPath(new URL('../../deploy/prometheus/', import.meta.url));

describe('/metrics with promtool and a real Prometheus', function () {
  this.timeout(60_000);
  const hostId = uniqueName('prom');
  const dir = mkdtempSync(join(tmpdir(), 'prom-'));
  let registrar: RegistrarProcess;
  let prometheus: ChildProcess | undefined;
  let port = 0;

  before(async () => {
    await requireRig();
    for (const tool of [PROMTOOL, PROMETHEUS]) {
      if (!existsSync(tool)) throw new Error(`${tool} is missing: run scripts/rig/install.sh (it unpacks Debian's prometheus package)`);
    }
    registrar = new RegistrarProcess(['--host-id', hostId, '--resync', '1']);
    await registrar.waitForLog('first pass', isFullPass);
    port = await registrar.httpPort();
    const name = uniqueName('m');
    await runContainer({ name, cmd: ['sleep', '600'], expose: ['80'], labels: { SERVICE_NAME: name } });
    await registrar.waitForLog('a registration', (l) => l.event === 'registered' && l.container === name);
  });
  after(async () => {
    prometheus?.kill('SIGKILL');
    await registrar?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    await cleanup([hostId]);
  });

  it("passes promtool's lint, with every series and the histograms filled", async () => {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    // promtool prints its findings and exits non-zero on any.
    const lint = execFileSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(lint.trim()).to.equal('');
    expect(text).to.match(/^registrar_event_to_registered_seconds_count [1-9]/m);
    expect(text).to.match(/^registrar_owned_services 1$/m);
    expect(text).to.include(`registrar_build_info{version="${PACKAGE_VERSION}"`);
    expect(text).to.match(/^registrar_dependency_up\{dependency="docker"\} 1$/m);
  });

  it('is scraped by Prometheus with the alert rules loaded, which pass their unit tests', async () => {
    execFileSync(PROMTOOL, ['test', 'rules', 'alerts_test.yml'], { cwd: RULES, encoding: 'utf8' });
    const promPort = 19090;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        `rule_files: ["${join(RULES, 'alerts.yml')}"]`,
        'scrape_configs:',
        `  - job_name: consul-registrar`,
        `    static_configs: [{ targets: ["127.0.0.1:${port}"] }]`,
      ].join('\n'),
    );
    prometheus = spawn(
      PROMETHEUS,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
      ],
      { stdio: 'ignore' },
    );
    const query = async (q: string) => {
      const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(q)}`);
      return ((await res.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }).data.result;
    };
    const up = await waitFor('a successful scrape', async () => (await query('up{job="consul-registrar"} == 1')).length === 1, 30_000, 500);
    expect(up).to.equal(true);
    const [info] = await query('registrar_build_info');
    expect(info!.metric.version).to.equal(PACKAGE_VERSION);
    const rules = (await (await fetch(`http://127.0.0.1:${promPort}/api/v1/rules`)).json()) as { data: { groups: { rules: unknown[] }[] } };
    expect(rules.data.groups[0]!.rules).to.have.length(6);
  });
});

describe('/metrics while the registrar is still starting', function () {
  this.timeout(30_000);

  before(async () => {
    await requireRig();
    if (!existsSync(PROMTOOL)) throw new Error(`${PROMTOOL} is missing: run scripts/rig/install.sh`);
  });

  it('has every series within a second of start, with Consul down, and stops cleanly on SIGTERM', async () => {
    const started = Date.now();
    // Nothing listens on port 1: the registrar keeps retrying Consul and never finishes starting.
    const registrar = new RegistrarProcess(['--host-id', uniqueName('early'), '--consul-addr', '127.0.0.1:1']);
    try {
      const port = await registrar.httpPort();
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const elapsed = Date.now() - started;
      expect(elapsed, 'ms from spawn to a full scrape').to.be.below(1000);
      expect((await registrar.healthz()).body).to.include({ starting: true, consul: false });
      expect(text).to.match(/^registrar_dependency_up\{dependency="consul"\} 0$/m);
      expect(text).to.match(/^registrar_dependency_up\{dependency="docker"\} [01]$/m);
      // The same families as a running registrar's, and promtool finds nothing to say about them.
      const families = (t: string) => [...t.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]).sort();
      expect(families(text)).to.deep.equal(families(new Metrics().render()));
      expect(execFileSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' }).trim()).to.equal('');
      console.log(`      first full scrape ${elapsed} ms after spawn`);
    } finally {
      expect(await registrar.stop('SIGTERM')).to.equal(0);
    }
  });
});
