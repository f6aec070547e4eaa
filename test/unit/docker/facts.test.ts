import { expect } from 'chai';
import { factsFromInspect } from '../../../src/docker/facts.js';
import { facts, inspect, type FixtureName } from '../support/fixtures.js';

describe('docker/facts: factsFromInspect on recorded inspect JSON', () => {
  it('reads id, name without the leading slash, image, state and network mode', () => {
    const f = facts('default-bridge');
    expect(f.id).to.equal('45b1a176cc1149128f617580f0d160f0ca9a60d6a741131a540acd309d90fa27');
    expect(f.name).to.equal('fixture-rec-default-bridge');
    expect(f.image).to.equal('consul-registrar-test/busybox:1');
    expect(f).to.include({ running: true, paused: false, exitCode: 0, networkMode: 'default' });
  });

  it('reads exposed ports with their protocol, tcp when none is written', () => {
    expect(facts('default-bridge').exposedPorts).to.have.deep.members([
      { port: 53, protocol: 'udp' },
      { port: 80, protocol: 'tcp' },
      { port: 8080, protocol: 'tcp' },
    ]);
    const info = inspect('user-network');
    info.Config.ExposedPorts = { '6379': {} };
    expect(factsFromInspect(info).exposedPorts).to.deep.equal([{ port: 6379, protocol: 'tcp' }]);
  });

  it('gives no exposed ports when the image exposes none', () => {
    expect(facts('no-expose').exposedPorts).to.deep.equal([]);
  });

  it('turns Env lines into a map, splitting at the first = and letting a later duplicate win', () => {
    const info = inspect('user-network');
    info.Config.Env = ['A=1', 'B=x=y', 'A=2', 'NOVALUE', '=bad', 'EMPTY='];
    expect(factsFromInspect(info).env).to.deep.equal({ A: '2', B: 'x=y', EMPTY: '' });
  });

  it('keeps labels as they are', () => {
    expect(facts('default-bridge').labels).to.deep.equal({ SERVICE_NAME: 'web', SERVICE_TAGS: 'a,b', 'fixture-rec': '' });
    expect(facts('default-bridge').env).to.deep.equal({ SERVICE_80_CHECK_HTTP: '/health', PATH: '/bin' });
  });

  it('reads each network with its IPv4 and global IPv6 address', () => {
    expect(facts('two-networks').networks).to.have.deep.members([
      { name: 'fixture-rec-a', ipv4: '10.201.1.3', ipv6: '', ipv4PrefixLength: 24, ipv6PrefixLength: 0, gateways: ['10.201.1.1'] },
      { name: 'fixture-rec-b', ipv4: '10.201.2.2', ipv6: '', ipv4PrefixLength: 24, ipv6PrefixLength: 0, gateways: ['10.201.2.1'] },
    ]);
    expect(facts('ipv6').networks).to.deep.equal([
      {
        name: 'fixture-rec-v6',
        ipv4: '10.201.6.2',
        ipv6: 'fd00:201:6::2',
        ipv4PrefixLength: 24,
        ipv6PrefixLength: 64,
        gateways: ['10.201.6.1', 'fd00:201:6::1'],
      },
    ]);
  });

  it('reports host network mode with the host network having no address', () => {
    const f = facts('host-mode');
    expect(f.networkMode).to.equal('host');
    expect(f.networks).to.deep.equal([{ name: 'host', ipv4: '', ipv6: '', ipv4PrefixLength: 0, ipv6PrefixLength: 0, gateways: [] }]);
  });

  it("takes the networks of the owner for a container sharing another one's network namespace", () => {
    const alone = factsFromInspect(inspect('shared-netns'));
    expect(alone.networks).to.deep.equal([]);
    const shared = factsFromInspect(inspect('shared-netns'), inspect('user-network'));
    expect(shared.networkMode).to.match(/^container:f49b8792684c/);
    expect(shared.name).to.equal('fixture-rec-shared-netns');
    expect(shared.networks).to.deep.equal([
      { name: 'fixture-rec-a', ipv4: '10.201.1.2', ipv6: '', ipv4PrefixLength: 24, ipv6PrefixLength: 0, gateways: ['10.201.1.1'] },
    ]);
  });

  it('reports a stopped container as not running', () => {
    expect(facts('stopped').running).to.equal(false);
  });

  it('copes with missing optional sections (no Env, Labels, ExposedPorts, Networks, NetworkMode)', () => {
    const info = inspect('user-network') as unknown as {
      Config: Record<string, unknown>;
      HostConfig: Record<string, unknown>;
      NetworkSettings: Record<string, unknown>;
    };
    delete info.Config.Env;
    delete info.Config.Labels;
    delete info.Config.ExposedPorts;
    delete info.HostConfig.NetworkMode;
    delete info.NetworkSettings.Networks;
    const f = factsFromInspect(info as never);
    expect(f).to.deep.include({ env: {}, labels: {}, exposedPorts: [], networks: [], networkMode: 'default' });
  });
  it('reads the main process PID, 0 for a stopped container', () => {
    expect(facts('default-bridge').pid).to.equal(5245);
    expect(facts('stopped').pid).to.equal(0);
  });

  it('reports no health when the container has no HEALTHCHECK', () => {
    expect(facts('default-bridge')).to.not.have.property('health');
  });

  describe('Docker HEALTHCHECK', () => {
    // dockerode's types do not list every field; these are the ones inspect really returns.
    const withHealth = (state: unknown, healthcheck?: unknown) => {
      const info = inspect('user-network') as unknown as { State: Record<string, unknown>; Config: Record<string, unknown> };
      info.State.Health = state;
      if (healthcheck !== undefined) info.Config.Healthcheck = healthcheck;
      return factsFromInspect(info as never);
    };

    it("reads the status, the last probe's output and end, and the interval in ms (Docker gives ns)", () => {
      const f = withHealth(
        {
          Status: 'unhealthy',
          FailingStreak: 3,
          Log: [
            { Start: '2024-01-01T00:00:00Z', End: '2024-01-01T00:00:01Z', ExitCode: 0, Output: 'old' },
            { Start: '2024-01-01T00:00:05Z', End: '2024-01-01T00:00:06Z', ExitCode: 1, Output: 'connection refused' },
          ],
        },
        { Test: ['CMD-SHELL', 'nc -z localhost 6379'], Interval: 5_000_000_000 },
      );
      expect(f.health).to.deep.equal({
        status: 'unhealthy',
        output: 'connection refused',
        intervalMs: 5_000,
        lastProbeAt: Date.parse('2024-01-01T00:00:06Z'),
      });
    });

    it("takes Docker's default interval of 30s when none is set, and empty output before the first probe", () => {
      const f = withHealth({ Status: 'starting', FailingStreak: 0, Log: [] }, { Test: ['CMD', 'true'] });
      expect(f.health).to.deep.equal({ status: 'starting', output: '', intervalMs: 30_000 });
    });

    it('reports no health for Test ["NONE"] (a HEALTHCHECK NONE disabling the image\'s check)', () => {
      const f = withHealth({ Status: 'healthy', FailingStreak: 0, Log: [] }, { Test: ['NONE'] });
      expect(f).to.not.have.property('health');
    });

    it('reports no health when the engine keeps no health state', () => {
      const f = withHealth(undefined, { Test: ['CMD', 'true'], Interval: 1_000_000_000 });
      expect(f).to.not.have.property('health');
    });
  });

  it('reads nothing newer Docker APIs deprecated or removed: the facts are the same without those fields', () => {
    // API 1.44 deprecated Config.MacAddress and NetworkSettings' top-level addresses (kept only for
    // the default bridge); 1.45 dropped the image's ContainerConfig; events' status/id/from go in 1.52.
    const deprecatedSettings = [
      'IPAddress',
      'IPPrefixLen',
      'Gateway',
      'GlobalIPv6Address',
      'GlobalIPv6PrefixLen',
      'IPv6Gateway',
      'MacAddress',
      'Bridge',
      'HairpinMode',
      'LinkLocalIPv6Address',
      'LinkLocalIPv6PrefixLen',
      'SecondaryIPAddresses',
      'SecondaryIPv6Addresses',
      'EndpointID',
      'SandboxKey',
    ];
    const names: FixtureName[] = ['default-bridge', 'user-network', 'two-networks', 'host-mode', 'no-expose', 'ipv6', 'stopped'];
    for (const name of names) {
      const info = inspect(name) as unknown as { Config: Record<string, unknown>; NetworkSettings: Record<string, unknown> };
      delete info.Config.MacAddress;
      for (const field of deprecatedSettings) delete info.NetworkSettings[field];
      expect(factsFromInspect(info as never), name).to.deep.equal(facts(name));
    }
  });
});
