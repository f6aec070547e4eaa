// What Podman's Docker-compatible API sends differently from dockerd (measured on Podman 4.3.1,
// docs/podman.md), read the way the registrar must read it: the event filter names, a removal
// called `remove`, network events whose actor is the container, a State.Health without a
// healthcheck, and how the engine and a rootless one are told.
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import type { Finding } from '../../../src/model/findings.js';
import pino from 'pino';
import type { ContainerInspectInfo } from 'dockerode';
import { DockerEventWatcher, stoppedHint, type ContainerEvent } from '../../../src/docker/events.js';
import { engineOf, isRootless } from '../../../src/docker/engine.js';
import { factsFromInspect } from '../../../src/docker/facts.js';
import { chooseAddress } from '../../../src/model/address.js';
import { facts } from '../support/fixtures.js';
import { healthProbeOverdue } from '../../../src/checks/run-job.js';

describe('docker: what Podman sends', () => {
  it("asks for both engines' names of an exit and a removal, and reads Podman's `remove` as a removal", () => {
    const filters: Record<string, string[]>[] = [];
    const source = {
      info: async () => ({}),
      getEvents: async (o: { filters: Record<string, string[]> }) => {
        filters.push(o.filters);
        return new PassThrough();
      },
    };
    const watcher = new DockerEventWatcher(
      source,
      { onContainer: () => undefined, onConnected: () => undefined, auditEveryMs: 0 },
      pino({ level: 'silent' }),
    );
    const running = watcher.run();
    return new Promise<void>((resolve) => setTimeout(resolve, 5)).then(async () => {
      expect(filters[0]!.event).to.include.members(['die', 'died', 'destroy', 'remove']);
      await watcher.stop();
      await running;
      const remove: ContainerEvent = { action: 'remove', attributes: { name: 'web', containerExitCode: '0' } };
      expect(stoppedHint('c1', remove)).to.deep.equal({ name: 'web', exitCode: 0, removed: true });
      expect(stoppedHint('c1', { action: 'die', attributes: { name: 'web', exitCode: '137' } })).to.deep.equal({
        name: 'web',
        exitCode: 137,
        removed: false,
      });
    });
  });

  it("takes the container of a Podman network event from its actor (dockerd's from its attributes)", async () => {
    const stream = new PassThrough();
    const seen: [string, string][] = [];
    const source = { info: async () => ({}), getEvents: async () => stream };
    const watcher = new DockerEventWatcher(
      source,
      { onContainer: (id, e) => seen.push([id, e.action]), onConnected: () => undefined, auditEveryMs: 0 },
      pino({ level: 'silent' }),
    );
    const running = watcher.run();
    stream.write(
      `${JSON.stringify({ Type: 'network', Action: 'connect', Actor: { ID: 'c-podman', Attributes: { name: 'n1', podId: '' } } })}\n`,
    );
    stream.write(
      `${JSON.stringify({ Type: 'network', Action: 'disconnect', Actor: { ID: 'net-id', Attributes: { container: 'c-docker' } } })}\n`,
    );
    for (let i = 0; i < 100 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 2));
    expect(seen).to.deep.equal([
      ['c-podman', 'connect'],
      ['c-docker', 'disconnect'],
    ]);
    await watcher.stop();
    await running;
  });

  it('reads a State.Health with no configured test as no healthcheck (Podman has one on every container)', () => {
    const info = {
      Id: 'c1',
      Name: '/web',
      Config: { Image: 'localhost/busybox', Labels: {}, Env: [], ExposedPorts: { '80/tcp': {} }, Healthcheck: null },
      State: {
        Running: true,
        Paused: false,
        ExitCode: 0,
        Pid: 42,
        StartedAt: '2026-11-30T18:24:08Z',
        Health: { Status: '', FailingStreak: 0, Log: null },
      },
      HostConfig: { NetworkMode: 'bridge' },
      NetworkSettings: { Networks: { podman: { IPAddress: '10.88.0.11', IPPrefixLen: 16, Gateway: '10.88.0.1' } } },
    } as unknown as ContainerInspectInfo;
    const read = factsFromInspect(info);
    expect(read.health).to.equal(undefined);
    expect(read.networks[0]).to.include({ name: 'podman', ipv4: '10.88.0.11' });
    const withTest = {
      ...info,
      Config: { ...info.Config, Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 2e9 } },
    } as unknown as ContainerInspectInfo;
    expect(factsFromInspect(withTest).health).to.deep.include({ status: '', intervalMs: 2000 });
  });

  it('tells Podman from dockerd by /version, and a rootless engine by /info', () => {
    expect(engineOf({ Components: [{ Name: 'Podman Engine' }] })).to.equal('podman');
    expect(engineOf({ Components: [{ Name: 'Engine' }, { Name: 'containerd' }] })).to.equal('docker');
    expect(engineOf({})).to.equal('docker');
    expect(isRootless({ Name: 'h', SecurityOptions: ['name=seccomp,profile=default', 'name=rootless'] })).to.equal(true);
    expect(isRootless({ Name: 'h', SecurityOptions: ['name=seccomp,profile=default'] })).to.equal(false);
    expect(isRootless({ Name: 'h' })).to.equal(false);
  });

  it('registers nothing unreachable on a rootless engine: only host-network containers get an address', () => {
    const findings: Finding[] = [];
    const bridged = chooseAddress(facts('default-bridge'), '10.88.0.5', undefined, { rootless: true }, findings);
    expect('skip' in bridged && bridged.skip.code).to.equal('rootless-network');
    const host = chooseAddress(facts('host-mode'), undefined, undefined, { rootless: true, hostIp: '192.168.1.10' }, findings);
    expect(host).to.deep.equal({ address: '192.168.1.10', network: 'host' });
  });

  it('runs a HEALTHCHECK itself only when no probe came within its interval (and a second) since the last one or the start', () => {
    const base = facts('default-bridge');
    const at = (iso: string) => Date.parse(iso);
    const started = { ...base, startedAt: '2026-11-30T10:00:00Z' };
    const fresh = { ...started, health: { status: 'starting', output: '', intervalMs: 2000 } };
    expect(healthProbeOverdue(fresh, at('2026-11-30T10:00:02Z')), 'within interval + 1 s of the start').to.equal(false);
    expect(healthProbeOverdue(fresh, at('2026-11-30T10:00:04Z')), 'none since the start').to.equal(true);
    const probed = { ...started, health: { status: 'healthy', output: '', intervalMs: 2000, lastProbeAt: at('2026-11-30T10:05:00Z') } };
    expect(healthProbeOverdue(probed, at('2026-11-30T10:05:02.5Z')), 'the engine ran it lately').to.equal(false);
    expect(healthProbeOverdue(probed, at('2026-11-30T10:05:04Z')), 'the engine stopped running it').to.equal(true);
  });
});
