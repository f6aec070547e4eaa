import { expect } from 'chai';
import { codes } from '../support/findings.js';
import { planContainer } from '../../../src/model/plan.js';
import type { Registration } from '../../../src/model/registration.js';
import { facts, options, withSettings } from '../support/fixtures.js';

const byPort = (regs: Registration[], port: number): Registration => {
  const reg = regs.find((r) => r.Port === port);
  expect(reg, `a registration for port ${port}`).to.not.equal(undefined);
  return reg!;
};

// user-network: one exposed port (6379/tcp) on fixture-rec-a, image consul-registrar-test/busybox:1.
const onePort = () => withSettings(facts('user-network'));
// default-bridge: three exposed ports (53/udp, 80/tcp, 8080/tcp) on the default bridge.
const threePorts = () => withSettings(facts('default-bridge'));

describe('model/plan: planContainer', () => {
  describe('recorded containers', () => {
    it('registers every exposed port of default-bridge under SERVICE_NAME-PORT, with its tags and its port-80 HTTP check', () => {
      const plan = planContainer(facts('default-bridge'), options());
      expect(plan.skipped).to.equal(undefined);
      expect(plan.findings).to.deep.equal([]);
      expect(plan.containerId).to.equal('45b1a176cc1149128f617580f0d160f0ca9a60d6a741131a540acd309d90fa27');
      expect(plan.containerName).to.equal('fixture-rec-default-bridge');
      expect(plan.registrations.map((r) => [r.ID, r.Name, r.Address, r.Port])).to.deep.equal([
        ['host1:fixture-rec-default-bridge:53:udp', 'web-53', '172.17.0.2', 53],
        ['host1:fixture-rec-default-bridge:80', 'web-80', '172.17.0.2', 80],
        ['host1:fixture-rec-default-bridge:8080', 'web-8080', '172.17.0.2', 8080],
      ]);
      for (const r of plan.registrations) expect(r.Tags).to.deep.equal(['a', 'b']);
      expect(byPort(plan.registrations, 80).Checks.map((c) => c.HTTP)).to.deep.equal(['http://172.17.0.2:80/health']);
      expect(byPort(plan.registrations, 8080).Checks).to.deep.equal([]);
      expect(plan.jobs, 'Consul runs an HTTP check itself').to.deep.equal([]);
    });

    it('registers user-network under the image base name with its TCP check', () => {
      const plan = planContainer(facts('user-network'), options());
      expect(plan.registrations).to.have.length(1);
      const reg = plan.registrations[0]!;
      expect(reg).to.deep.include({ ID: 'host1:fixture-rec-user-network:6379', Name: 'busybox', Address: '10.201.1.2', Port: 6379 });
      expect(reg.Checks.map((c) => c.TCP)).to.deep.equal(['10.201.1.2:6379']);
    });

    it('registers the SERVICE_PORTS ports of an image that exposes none (no-expose)', () => {
      const plan = planContainer(facts('no-expose'), options());
      expect(plan.registrations.map((r) => [r.ID, r.Name, r.Port])).to.deep.equal([
        ['host1:fixture-rec-no-expose:7000', 'busybox-7000', 7000],
        ['host1:fixture-rec-no-expose:7001:udp', 'busybox-7001', 7001],
      ]);
      expect(plan.registrations[0]!.Address).to.equal('172.17.0.3');
    });

    it("registers a container sharing another one's network namespace on the owner's address", () => {
      const plan = planContainer(facts('shared-netns'), options());
      expect(plan.registrations.map((r) => [r.ID, r.Address, r.Port])).to.deep.equal([
        ['host1:fixture-rec-shared-netns:9000', '10.201.1.2', 9000],
      ]);
    });

    it('skips a stopped container as not running', () => {
      const plan = planContainer(facts('stopped'), options());
      expect(plan).to.deep.include({ registrations: [], jobs: [] });
      expect(plan.skipped?.code).to.equal('not-running');
    });

    it('skips a running container without ports, saying how to declare them', () => {
      const plan = planContainer(withSettings(facts('no-expose')), options());
      expect(plan.registrations).to.deep.equal([]);
      expect(plan.skipped?.code).to.equal('no-ports');
    });
  });

  describe('Registrator-compatible precedence', () => {
    it('lets a label beat the environment variable of the same name', () => {
      const plan = planContainer(
        withSettings(facts('user-network'), { SERVICE_NAME: 'from-label' }, { SERVICE_NAME: 'from-env' }),
        options(),
      );
      expect(plan.registrations[0]!.Name).to.equal('from-label');
    });

    it('takes an environment variable when no label says otherwise', () => {
      const plan = planContainer(withSettings(facts('user-network'), {}, { SERVICE_NAME: 'from-env' }), options());
      expect(plan.registrations[0]!.Name).to.equal('from-env');
    });

    it('lets SERVICE_<port>_X beat SERVICE_X for that port only, even when the port key is env and the common one a label', () => {
      const plan = planContainer(withSettings(threePorts(), { SERVICE_TAGS: 'common' }, { SERVICE_80_TAGS: 'eighty' }), options());
      expect(byPort(plan.registrations, 80).Tags).to.deep.equal(['eighty']);
      expect(byPort(plan.registrations, 8080).Tags).to.deep.equal(['common']);
    });

    it('reads SERVICE_ keys case-insensitively', () => {
      const plan = planContainer(withSettings(onePort(), { service_name: 'lower', Service_Tags: 'x' }), options());
      expect(plan.registrations[0]).to.deep.include({ Name: 'lower', Tags: ['x'] });
    });
  });

  describe('service names', () => {
    it('defaults to the image base name (no registry, path or tag) for a single port', () => {
      const f = { ...onePort(), image: 'registry.example:5000/team/redis:7.2@sha256:abc' };
      expect(planContainer(f, options()).registrations[0]!.Name).to.equal('redis');
    });

    it('appends -PORT to the default name when the container has several ports', () => {
      const names = planContainer(threePorts(), options()).registrations.map((r) => r.Name);
      expect(names).to.deep.equal(['busybox-53', 'busybox-80', 'busybox-8080']);
    });

    it("appends -PORT to a shared SERVICE_NAME with several ports, but not to a port's own SERVICE_<port>_NAME", () => {
      const plan = planContainer(withSettings(threePorts(), { SERVICE_NAME: 'web', SERVICE_80_NAME: 'front' }), options());
      expect(plan.registrations.map((r) => r.Name)).to.deep.equal(['web-53', 'front', 'web-8080']);
    });

    it('does not append the port to a single-port service', () => {
      expect(planContainer(withSettings(onePort(), { SERVICE_NAME: 'cache' }), options()).registrations[0]!.Name).to.equal('cache');
    });

    it('makes a DNS-unsafe name safe and warns with both forms', () => {
      const plan = planContainer(withSettings(onePort(), { SERVICE_NAME: 'My_App.v2' }), options());
      expect(plan.registrations[0]!.Name).to.equal('My-App-v2');
      expect(plan.findings).to.have.length(1);
      expect(plan.findings[0]).to.include({ code: 'service-name-rewritten', label: 'SERVICE_NAME' });
    });

    it('leaves out a port whose name has nothing DNS can serve, with a warning', () => {
      const plan = planContainer(withSettings(onePort(), { SERVICE_NAME: '___' }), options());
      expect(plan.registrations).to.deep.equal([]);
      expect(plan.skipped?.code).to.equal('every-port-ignored');
      expect(codes(plan.findings)).to.deep.equal(['service-name-empty']);
    });
  });

  describe('service IDs', () => {
    it('defaults to host-id:container-name:port', () => {
      expect(planContainer(onePort(), options({ hostId: 'node-7' })).registrations[0]!.ID).to.equal('node-7:fixture-rec-user-network:6379');
    });

    it('adds :udp to the default ID of a UDP port', () => {
      const ids = planContainer(threePorts(), options()).registrations.map((r) => r.ID);
      expect(ids).to.include('host1:fixture-rec-default-bridge:53:udp');
      expect(ids).to.include('host1:fixture-rec-default-bridge:80');
    });

    it('uses SERVICE_ID as it is for a single port', () => {
      expect(planContainer(withSettings(onePort(), { SERVICE_ID: 'redis-1' }), options()).registrations[0]!.ID).to.equal('redis-1');
    });

    it('appends :port (and :udp) to a shared SERVICE_ID with several ports, so the IDs stay distinct', () => {
      const plan = planContainer(withSettings(threePorts(), { SERVICE_ID: 'web' }), options());
      expect(plan.registrations.map((r) => r.ID)).to.deep.equal(['web:53:udp', 'web:80', 'web:8080']);
    });

    it("uses a port's own SERVICE_<port>_ID as it is", () => {
      const plan = planContainer(withSettings(threePorts(), { SERVICE_ID: 'web', SERVICE_80_ID: 'front' }), options());
      expect(plan.registrations.map((r) => r.ID)).to.deep.equal(['web:53:udp', 'front', 'web:8080']);
    });

    it('registers nothing when two ports would share an ID, and says which', () => {
      const plan = planContainer(withSettings(threePorts(), { SERVICE_80_ID: 'same', SERVICE_8080_ID: 'same' }), options());
      expect(plan.registrations).to.deep.equal([]);
      expect(plan.skipped?.code).to.equal('duplicate-service-id');
      expect(plan.skipped!.text).to.include('"same"');
    });
  });

  describe('SERVICE_IGNORE', () => {
    for (const value of ['true', '1', 'yes', 'TRUE']) {
      it(`skips the container for SERVICE_IGNORE=${value} without a warning`, () => {
        const plan = planContainer(withSettings(onePort(), { SERVICE_IGNORE: value }), options());
        expect(plan).to.deep.include({ registrations: [], findings: [] });
        expect(plan.skipped?.code).to.equal('service-ignored');
      });
    }

    for (const value of ['false', '0', 'no', '']) {
      it(`registers the container for SERVICE_IGNORE=${JSON.stringify(value)} (unlike Registrator)`, () => {
        const plan = planContainer(withSettings(onePort(), { SERVICE_IGNORE: value }), options());
        expect(plan.skipped).to.equal(undefined);
        expect(plan.registrations).to.have.length(1);
        expect(plan.registrations[0]!.Meta).to.not.have.property('ignore');
      });
    }

    it('takes a garbage SERVICE_IGNORE as true and warns', () => {
      const plan = planContainer(withSettings(onePort(), { SERVICE_IGNORE: 'maybe' }), options());
      expect(plan.skipped?.code).to.equal('service-ignored');
      expect(plan.findings.map((f) => [f.code, f.label])).to.deep.equal([['ignore-not-boolean', 'SERVICE_IGNORE']]);
    });

    it('leaves out only the port with SERVICE_<port>_IGNORE', () => {
      const plan = planContainer(withSettings(threePorts(), { SERVICE_53_IGNORE: 'true' }), options());
      expect(plan.registrations.map((r) => r.Port)).to.deep.equal([80, 8080]);
      // The port count for the -PORT suffix includes the ignored port, as in Registrator.
      expect(plan.registrations.map((r) => r.Name)).to.deep.equal(['busybox-80', 'busybox-8080']);
    });

    it('lets SERVICE_<port>_IGNORE=true leave out a port of a container with SERVICE_IGNORE=false', () => {
      const plan = planContainer(withSettings(threePorts(), { SERVICE_IGNORE: 'false', SERVICE_80_IGNORE: 'true' }), options());
      expect(plan.registrations.map((r) => r.Port)).to.deep.equal([53, 8080]);
    });

    it('warns about a garbage SERVICE_<port>_IGNORE and leaves that port out', () => {
      const plan = planContainer(withSettings(threePorts(), { SERVICE_80_IGNORE: 'perhaps' }), options());
      expect(plan.registrations.map((r) => r.Port)).to.deep.equal([53, 8080]);
      expect(plan.findings.map((f) => [f.code, f.port, f.label])).to.deep.equal([['ignore-not-boolean', '80', 'SERVICE_80_IGNORE']]);
    });

    it('says every port is ignored when each one is', () => {
      const plan = planContainer(withSettings(onePort(), { SERVICE_6379_IGNORE: 'on' }), options());
      expect(plan.registrations).to.deep.equal([]);
      expect(plan.skipped?.code).to.equal('every-port-ignored');
    });
  });

  describe('--explicit', () => {
    it('skips a container without SERVICE_NAME', () => {
      const plan = planContainer(onePort(), options({ explicit: true }));
      expect(plan.registrations).to.deep.equal([]);
      expect(plan.skipped?.code).to.equal('explicit-unnamed');
    });

    it('registers only the ports that have a name', () => {
      const plan = planContainer(withSettings(threePorts(), { SERVICE_80_NAME: 'front' }), options({ explicit: true }));
      expect(plan.registrations.map((r) => [r.Name, r.Port])).to.deep.equal([['front', 80]]);
    });

    it('registers every port under a shared SERVICE_NAME', () => {
      const plan = planContainer(withSettings(threePorts(), { SERVICE_NAME: 'web' }), options({ explicit: true }));
      expect(plan.registrations).to.have.length(3);
    });

    it('does not count a blank SERVICE_NAME as a name', () => {
      const plan = planContainer(withSettings(onePort(), { SERVICE_NAME: '  ' }), options({ explicit: true }));
      expect(plan.skipped?.code).to.equal('explicit-unnamed');
    });
  });

  describe('tags', () => {
    it("appends --tags after the container's tags, dropping duplicates and keeping the first order", () => {
      const plan = planContainer(withSettings(onePort(), { SERVICE_TAGS: 'b, a ,,c,a' }), options({ tags: ['z', 'a', 'y', 'z'] }));
      expect(plan.registrations[0]!.Tags).to.deep.equal(['b', 'a', 'c', 'z', 'y']);
    });

    it('gives --tags alone when the container has none, and no tags when there are none at all', () => {
      expect(planContainer(onePort(), options({ tags: ['env-prod'] })).registrations[0]!.Tags).to.deep.equal(['env-prod']);
      expect(planContainer(onePort(), options()).registrations[0]!.Tags).to.deep.equal([]);
    });
  });

  describe('ownership and Meta', () => {
    it("stamps every registration with the host and container that own it, next to the user's Meta", () => {
      const plan = planContainer(withSettings(threePorts(), { SERVICE_VERSION: '1.2' }), options({ hostId: 'h9' }));
      for (const r of plan.registrations) {
        expect(r.Meta).to.deep.equal({
          version: '1.2',
          registrar_host: 'h9',
          registrar_container: '45b1a176cc1149128f617580f0d160f0ca9a60d6a741131a540acd309d90fa27',
        });
      }
    });

    it("puts unknown SERVICE_* keys in Meta, a port's own value over the shared one", () => {
      const plan = planContainer(withSettings(threePorts(), { SERVICE_OWNER: 'team-a', SERVICE_80_OWNER: 'team-b' }), options());
      expect(byPort(plan.registrations, 80).Meta.owner).to.equal('team-b');
      expect(byPort(plan.registrations, 8080).Meta.owner).to.equal('team-a');
    });

    it('keeps known and check keys out of Meta', () => {
      const plan = planContainer(
        withSettings(onePort(), {
          SERVICE_NAME: 'x',
          SERVICE_TAGS: 't',
          SERVICE_ID: 'i',
          SERVICE_CHECK_TCP: 'true',
          SERVICE_PORTS: '6379',
        }),
        options(),
      );
      expect(Object.keys(plan.registrations[0]!.Meta).sort()).to.deep.equal(['registrar_container', 'registrar_host']);
    });

    it('collects each warning once even when several ports cause it', () => {
      const plan = planContainer(withSettings(threePorts(), { 'SERVICE_BAD.KEY': 'v' }), options());
      expect(plan.registrations).to.have.length(3);
      expect(plan.findings).to.have.length(1);
    });
  });
  describe('checks the registrar runs itself', () => {
    const HEALTH = { status: 'healthy', output: 'ok', intervalMs: 5_000 };
    const checkIds = (r: Registration) => r.Checks.map((c) => c.CheckID);

    it("with --enable-script-checks adds a script TTL check and a job with the container's ID and PID", () => {
      const f = withSettings(onePort(), { SERVICE_CHECK_SCRIPT: 'redis-cli -h $SERVICE_IP -p $SERVICE_PORT ping' });
      const plan = planContainer(f, options({ scriptChecks: true }));
      expect(plan.findings).to.deep.equal([]);
      const reg = plan.registrations[0]!;
      expect(checkIds(reg)).to.deep.equal([`service:${reg.ID}:script`]);
      expect(reg.Checks[0]!.TTL).to.be.a('string');
      expect(plan.jobs).to.deep.equal([
        {
          kind: 'script',
          checkId: `service:${reg.ID}:script`,
          containerId: f.id,
          pid: f.pid,
          user: '',
          env: { SERVICE_IP: '10.201.1.2', SERVICE_PORT: '6379' },
          argv: ['redis-cli', '-h', '10.201.1.2', '-p', '6379', 'ping'],
          intervalMs: 10_000,
          timeoutMs: 10_000,
        },
      ]);
      expect(f.pid).to.be.greaterThan(0);
    });

    it('without --enable-script-checks registers the service without the script check, and warns', () => {
      const plan = planContainer(withSettings(onePort(), { SERVICE_CHECK_SCRIPT: 'true', SERVICE_CHECK_TCP: 'true' }), options());
      expect(plan.registrations).to.have.length(1);
      expect(checkIds(plan.registrations[0]!)).to.deep.equal([`service:${plan.registrations[0]!.ID}:tcp`]);
      expect(plan.jobs).to.deep.equal([]);
      expect(plan.findings).to.have.length(1);
      expect(plan.findings[0]?.code).to.equal('script-checks-disabled');
    });

    it("gives a job per port, each reporting to its own registration's check", () => {
      const plan = planContainer(withSettings(threePorts(), { SERVICE_CHECK_SCRIPT: 'true' }), options({ scriptChecks: true }));
      expect(plan.registrations).to.have.length(3);
      expect(plan.jobs.map((j) => j.checkId)).to.deep.equal(plan.registrations.map((r) => `service:${r.ID}:script`));
    });

    it('mirrors a Docker HEALTHCHECK as a TTL check and a docker-health job', () => {
      const f = { ...onePort(), health: HEALTH };
      const plan = planContainer(f, options());
      const reg = plan.registrations[0]!;
      expect(checkIds(reg)).to.deep.equal([`service:${reg.ID}:docker-health`]);
      expect(plan.jobs).to.have.length(1);
      expect(plan.jobs[0]).to.deep.include({
        kind: 'docker-health',
        checkId: `service:${reg.ID}:docker-health`,
        containerId: f.id,
        pid: f.pid,
        intervalMs: 5_000,
      });
    });

    it('mirrors a 1 ms HEALTHCHECK on 16 ports at the 1 s floor, saying so once for the container', () => {
      const ports = Array.from({ length: 16 }, (_, i) => ({ port: 8000 + i, protocol: 'tcp' as const }));
      const plan = planContainer({ ...onePort(), exposedPorts: ports, health: { ...HEALTH, intervalMs: 1 } }, options());
      expect(plan.jobs).to.have.length(16);
      expect(plan.jobs.every((j) => j.kind === 'docker-health' && j.intervalMs === 1_000)).to.equal(true);
      expect(plan.findings.filter((f) => f.code === 'healthcheck-interval-clamped')).to.have.length(1);
    });

    it('does not mirror the Docker HEALTHCHECK with --no-docker-health', () => {
      const plan = planContainer({ ...onePort(), health: HEALTH }, options({ dockerHealth: false }));
      expect(plan.registrations[0]!.Checks).to.deep.equal([]);
      expect(plan.jobs).to.deep.equal([]);
    });

    it("adds a critical paused TTL check to a paused container's registrations and runs no jobs for it", () => {
      const f = {
        ...withSettings(threePorts(), { SERVICE_CHECK_SCRIPT: 'true', SERVICE_CHECK_TCP: 'true' }),
        paused: true,
        health: HEALTH,
      };
      const plan = planContainer(f, options({ scriptChecks: true }));
      expect(plan.registrations).to.have.length(3);
      for (const r of plan.registrations) {
        const paused = r.Checks.find((c) => c.CheckID === `service:${r.ID}:paused`);
        expect(paused, `${r.ID} has a paused check`).to.not.equal(undefined);
        expect(paused).to.deep.include({ Status: 'critical' });
        expect(paused!.TTL).to.be.a('string');
        expect(checkIds(r)).to.include(`service:${r.ID}:tcp`);
      }
      expect(plan.jobs).to.deep.equal([]);
    });

    it("with --ttl gives every service an alias check of the registrar's own service, and no job", () => {
      const f = withSettings(threePorts(), { SERVICE_CHECK_SCRIPT: 'true' });
      const plan = planContainer(f, options({ scriptChecks: true, registrarServiceId: 'consul-registrar:host1' }));
      expect(plan.registrations).to.have.length(3);
      for (const r of plan.registrations) {
        expect(r.Checks.find((c) => c.CheckID === `service:${r.ID}:registrar`)).to.deep.equal({
          CheckID: `service:${r.ID}:registrar`,
          Name: 'consul-registrar running',
          AliasService: 'consul-registrar:host1',
        });
      }
      expect(plan.jobs.map((j) => j.kind)).to.deep.equal(['script', 'script', 'script']);
      expect(checkIds(planContainer(threePorts(), options()).registrations[0]!)).to.deep.equal([]);
    });

    it('adds no paused check to a running, unpaused container', () => {
      const plan = planContainer(threePorts(), options());
      for (const r of plan.registrations) expect(checkIds(r).some((id) => id.endsWith(':paused'))).to.equal(false);
    });

    it('runs no jobs for a container it registers nothing for', () => {
      const settings = { SERVICE_CHECK_SCRIPT: 'true', SERVICE_IGNORE: 'true' };
      expect(planContainer({ ...withSettings(onePort(), settings), health: HEALTH }, options({ scriptChecks: true })).jobs).to.deep.equal(
        [],
      );
      const dup = { SERVICE_CHECK_SCRIPT: 'true', SERVICE_80_ID: 'same', SERVICE_8080_ID: 'same' };
      expect(planContainer(withSettings(threePorts(), dup), options({ scriptChecks: true })).jobs).to.deep.equal([]);
    });
  });
});

describe('model/plan: --ip-from-label', () => {
  it("takes the label's address (prefix dropped) as SERVICE_IP, under the same rules, and SERVICE_IP wins", () => {
    const base = facts('user-network');
    const ip = base.networks[0]!.ipv4.replace(/\d+$/, '200');
    const plan = (labels: Record<string, string>) =>
      planContainer(withSettings(base, { SERVICE_NAME: 'web', ...labels }), options({ ipFromLabel: 'lan.ip' }));
    expect(plan({ 'lan.ip': `${ip}/24` }).registrations[0]!.Address).to.equal(ip);
    expect(codes(plan({ 'lan.ip': '8.8.8.8' }).findings)).to.include('service-ip-refused');
    expect(plan({ 'lan.ip': `${ip}/24`, SERVICE_IP: base.networks[0]!.ipv4 }).registrations[0]!.Address).to.equal(base.networks[0]!.ipv4);
  });
});
