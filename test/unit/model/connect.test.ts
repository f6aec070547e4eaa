import { expect } from 'chai';
import { codes } from '../support/findings.js';
import type { Finding } from '../../../src/model/findings.js';
import {
  applyConnect,
  connectMode,
  DEFAULT_PROXY_LIMITS,
  DEFAULT_SIDECAR_PORT,
  MAX_SIDECARS,
  MAX_UPSTREAMS,
  parseUpstreams,
  sidecarPort,
  sidecarRegistration,
  type ConnectOptions,
  type ConnectRequest,
  type ProxyOptions,
} from '../../../src/model/connect.js';
import { MAX_ID_LENGTH } from '../../../src/model/service-id.js';
import type { Registration } from '../../../src/model/registration.js';

/** Settings as settingsForPort gives them: lower-case keys without SERVICE_. */
const settings = (entries: Record<string, string> = {}): Map<string, string> => new Map(Object.entries(entries));

const parent = (overrides: Partial<Registration> = {}): Registration => ({
  ID: 'host1:web:8080',
  Name: 'web',
  Tags: ['a'],
  Address: '10.201.1.2',
  Port: 8080,
  Meta: { registrar_host: 'host1', registrar_container: 'c'.repeat(64) },
  Checks: [{ CheckID: 'service:host1:web:8080:tcp', Name: 'tcp', TCP: '10.201.1.2:8080', Interval: '10s' }],
  ...overrides,
});

const proxyOptions = (overrides: Partial<ProxyOptions> = {}): ProxyOptions => ({
  image: 'hashicorp/consul:1.20',
  command: ['consul', 'connect', 'proxy'],
  agentPort: 8500,
  agentScheme: 'http',
  limits: DEFAULT_PROXY_LIMITS,
  ...overrides,
});

const enabled = (proxy?: ProxyOptions): ConnectOptions => ({ enabled: true, ...(proxy ? { proxy } : {}) });

const request = (overrides: Partial<ConnectRequest> = {}): ConnectRequest => ({
  parent: parent(),
  settings: settings({ connect: 'sidecar' }),
  index: 0,
  taken: new Set([8080]),
  gateway: '10.201.1.1',
  app: { id: 'c'.repeat(64), name: 'web', startedAt: '2026-11-27T17:17:47.328654356Z', several: false },
  options: enabled(proxyOptions()),
  findings: [],
  ...overrides,
});

describe('model/connect', () => {
  describe('connectMode', () => {
    it('reads no Connect from an absent, empty, "false" or "none" SERVICE_CONNECT, without a warning', () => {
      for (const value of [undefined, '', '  ', 'false', 'FALSE', 'none', ' None ']) {
        const findings: Finding[] = [];
        expect(connectMode(settings(value === undefined ? {} : { connect: value }), 80, findings), String(value)).to.equal(undefined);
        expect(findings, String(value)).to.deep.equal([]);
      }
    });

    it('reads sidecar and native whatever their case and surrounding spaces', () => {
      const findings: Finding[] = [];
      expect(connectMode(settings({ connect: 'sidecar' }), 80, findings)).to.equal('sidecar');
      expect(connectMode(settings({ connect: ' Sidecar ' }), 80, findings)).to.equal('sidecar');
      expect(connectMode(settings({ connect: 'NATIVE' }), 80, findings)).to.equal('native');
      expect(findings).to.deep.equal([]);
    });

    it('warns about any other value, quoting it with its port, and reads no Connect', () => {
      const findings: Finding[] = [];
      expect(connectMode(settings({ connect: 'mesh\u001b' }), 80, findings)).to.equal(undefined);
      expect(findings[0]).to.include({ code: 'connect-mode-unknown', port: '80', label: 'SERVICE_CONNECT' });
      expect(findings[0]!.text).to.include('"mesh\\u001b"');
    });
  });

  describe('sidecarPort', () => {
    it('defaults to 21000 plus the index of the sidecar in its container', () => {
      const findings: Finding[] = [];
      expect(DEFAULT_SIDECAR_PORT).to.equal(21000);
      expect(sidecarPort(settings(), 0, 80, new Set([80]), findings)).to.equal(21000);
      expect(sidecarPort(settings(), 2, 80, new Set([80]), findings)).to.equal(21002);
      expect(sidecarPort(settings({ connect_port: ' ' }), 1, 80, new Set([80]), findings)).to.equal(21001);
      expect(findings).to.deep.equal([]);
    });

    it('takes SERVICE_CONNECT_PORT over the default, spaces trimmed', () => {
      const findings: Finding[] = [];
      expect(sidecarPort(settings({ connect_port: ' 19000 ' }), 3, 80, new Set([80]), findings)).to.equal(19000);
      expect(findings).to.deep.equal([]);
    });

    it('refuses a SERVICE_CONNECT_PORT that is not a port number, with a warning', () => {
      for (const value of ['abc', '0', '65536', '-1', '1.5', '80a']) {
        const findings: Finding[] = [];
        expect(sidecarPort(settings({ connect_port: value }), 0, 80, new Set([80]), findings), value).to.equal(undefined);
        expect(
          findings.map((f) => [f.code, f.port]),
          value,
        ).to.deep.equal([['sidecar-port-refused', '80']]);
      }
    });

    it('refuses a port the container already uses, default or given, saying how to give each sidecar its own', () => {
      const findings: Finding[] = [];
      expect(sidecarPort(settings(), 0, 80, new Set([80, 21000]), findings)).to.equal(undefined);
      expect(sidecarPort(settings({ connect_port: '80' }), 0, 80, new Set([80]), findings)).to.equal(undefined);
      expect(findings).to.have.length(2);
      expect(codes(findings)).to.deep.equal(['sidecar-port-taken', 'sidecar-port-taken']);
    });

    it('leaves the set of taken ports as it was', () => {
      const taken = new Set([80]);
      sidecarPort(settings(), 0, 80, taken, []);
      expect([...taken]).to.deep.equal([80]);
    });
  });

  describe('parseUpstreams', () => {
    it('reads name:port and name@datacenter:port in order, with a Datacenter only when one is given', () => {
      const findings: Finding[] = [];
      expect(parseUpstreams(' db:5432 , cache@dc-2_b:6379,Api:9000', [8080], 8080, findings)).to.deep.equal([
        { DestinationName: 'db', LocalBindPort: 5432 },
        { DestinationName: 'cache', LocalBindPort: 6379, Datacenter: 'dc-2_b' },
        { DestinationName: 'Api', LocalBindPort: 9000 },
      ]);
      expect(findings).to.deep.equal([]);
    });

    it('gives none, without a warning, for an empty value', () => {
      const findings: Finding[] = [];
      expect(parseUpstreams('', [], 80, findings)).to.deep.equal([]);
      expect(parseUpstreams(' , ,', [], 80, findings)).to.deep.equal([]);
      expect(findings).to.deep.equal([]);
    });

    it('leaves out an entry that is not name:port or name@datacenter:port, quoting it', () => {
      for (const entry of ['db', 'db:', ':5432', 'db:abc', 'db@:5432', 'db:123456', 'a:b:5432', '@dc:5432']) {
        const findings: Finding[] = [];
        expect(parseUpstreams(entry, [], 80, findings), entry).to.deep.equal([]);
        expect(codes(findings), entry).to.deep.equal(['upstream-refused']);
      }
    });

    it('leaves out a service name that is not DNS-safe, keeping the others', () => {
      const findings: Finding[] = [];
      expect(parseUpstreams('my_db:5432,-db:5433,db.x:5434,ok:5435', [], 80, findings)).to.deep.equal([
        { DestinationName: 'ok', LocalBindPort: 5435 },
      ]);
      expect(codes(findings)).to.deep.equal(['upstream-refused', 'upstream-refused', 'upstream-refused']);
    });

    it('leaves out a datacenter that is not letters, digits, - and _', () => {
      const findings: Finding[] = [];
      expect(parseUpstreams(`db@dc.2:5432,db@${'d'.repeat(65)}:5433`, [], 80, findings)).to.deep.equal([]);
      expect(findings).to.have.length(2);
      expect(codes(findings)).to.deep.equal(['upstream-refused', 'upstream-refused']);
      expect(parseUpstreams(`db@${'d'.repeat(64)}:5433`, [], 80, [])).to.have.length(1);
    });

    it('leaves out port 0 and ports above 65535', () => {
      const findings: Finding[] = [];
      expect(parseUpstreams('a:0,b:65536,c:99999,d:65535,e:1', [], 80, findings)).to.deep.equal([
        { DestinationName: 'd', LocalBindPort: 65535 },
        { DestinationName: 'e', LocalBindPort: 1 },
      ]);
      expect(codes(findings)).to.deep.equal(['upstream-refused', 'upstream-refused', 'upstream-refused']);
    });

    it('leaves out an upstream on a reserved port or on the port of an earlier upstream', () => {
      const findings: Finding[] = [];
      expect(parseUpstreams('a:8080,b:21000,c:5432,d:5432', [21000, 8080], 8080, findings)).to.deep.equal([
        { DestinationName: 'c', LocalBindPort: 5432 },
      ]);
      expect(codes(findings)).to.deep.equal(['upstream-refused', 'upstream-refused', 'upstream-refused']);
    });

    it(`keeps only the first ${MAX_UPSTREAMS} upstreams, with one warning, and does not judge the rest`, () => {
      const entries = Array.from({ length: MAX_UPSTREAMS }, (_, i) => `s${i}:${10000 + i}`);
      const findings: Finding[] = [];
      const upstreams = parseUpstreams([...entries, 'not an upstream', 'x:1'].join(','), [], 80, findings);
      expect(upstreams).to.have.length(MAX_UPSTREAMS);
      expect(upstreams.at(-1)).to.deep.equal({ DestinationName: `s${MAX_UPSTREAMS - 1}`, LocalBindPort: 10000 + MAX_UPSTREAMS - 1 });
      expect(codes(findings)).to.deep.equal(['too-many-upstreams']);
      expect(parseUpstreams(entries.join(','), [], 80, [])).to.have.length(MAX_UPSTREAMS);
    });
  });

  describe('sidecarRegistration', () => {
    it("registers a connect-proxy beside the app, at the app's address, with a TCP check of its listener and an alias of the app", () => {
      const findings: Finding[] = [];
      const app = parent();
      const sidecar = sidecarRegistration({ parent: app, port: 21000, settings: settings(), containerPorts: [8080], findings });
      expect(sidecar).to.deep.equal({
        ID: 'host1:web:8080-sidecar-proxy',
        Name: 'web-sidecar-proxy',
        Kind: 'connect-proxy',
        Tags: ['a'],
        Address: '10.201.1.2',
        Port: 21000,
        Meta: app.Meta,
        Proxy: {
          DestinationServiceName: 'web',
          DestinationServiceID: 'host1:web:8080',
          LocalServiceAddress: '127.0.0.1',
          LocalServicePort: 8080,
        },
        Checks: [
          {
            CheckID: 'service:host1:web:8080-sidecar-proxy:tcp',
            Name: 'sidecar listener 10.201.1.2:21000',
            TCP: '10.201.1.2:21000',
            Interval: '10s',
            Timeout: '2s',
          },
          { CheckID: 'service:host1:web:8080-sidecar-proxy:alias', Name: 'follows host1:web:8080', AliasService: 'host1:web:8080' },
        ],
      });
      expect(findings).to.deep.equal([]);
    });

    it('brackets an IPv6 address in the TCP check', () => {
      const sidecar = sidecarRegistration({
        parent: parent({ Address: 'fd00:201:6::2' }),
        port: 21000,
        settings: settings(),
        containerPorts: [],
        findings: [],
      });
      expect(sidecar!.Checks[0]!.TCP).to.equal('[fd00:201:6::2]:21000');
    });

    it('adds the upstreams of SERVICE_CONNECT_UPSTREAMS, none on the sidecar port or a container port', () => {
      const findings: Finding[] = [];
      const sidecar = sidecarRegistration({
        parent: parent(),
        port: 21000,
        settings: settings({ connect_upstreams: 'db:5432,a:21000,b:8080,c:9090' }),
        containerPorts: [8080, 9090],
        findings,
      });
      expect(sidecar!.Proxy!.Upstreams).to.deep.equal([{ DestinationName: 'db', LocalBindPort: 5432 }]);
      expect(findings).to.have.length(3);
    });

    it('registers no sidecar, with a warning, when its ID would be too long', () => {
      const findings: Finding[] = [];
      const id = 'x'.repeat(MAX_ID_LENGTH - 5);
      expect(sidecarRegistration({ parent: parent({ ID: id }), port: 21000, settings: settings(), containerPorts: [], findings })).to.equal(
        undefined,
      );
      expect(findings).to.have.length(1);
      expect(findings[0]).to.include({ code: 'sidecar-id-refused', port: '8080' });
    });
  });

  describe('applyConnect', () => {
    it('changes nothing without SERVICE_CONNECT', () => {
      const r = request({ settings: settings() });
      const result = applyConnect(r);
      expect(result).to.deep.equal({ parent: r.parent });
      expect(result.parent).to.equal(r.parent);
      expect(r.findings).to.deep.equal([]);
      expect([...r.taken]).to.deep.equal([8080]);
    });

    it('registers without Connect, with one warning, when the agent has Connect disabled or is not known', () => {
      for (const options of [{ enabled: false, proxy: proxyOptions() }, undefined]) {
        const r = request({ options });
        expect(applyConnect(r)).to.deep.equal({ parent: r.parent });
        expect(r.findings).to.have.length(1);
        expect(r.findings[0]).to.include({ code: 'connect-disabled', port: '8080' });
      }
      const native = request({ settings: settings({ connect: 'native' }), options: { enabled: false } });
      expect(applyConnect(native).parent.Connect).to.equal(undefined);
      expect(native.findings[0]?.code).to.equal('connect-disabled');
    });

    it('marks a native service Connect-native, with no sidecar or proxy, leaving the given parent as it was', () => {
      const r = request({ settings: settings({ connect: 'native' }) });
      const result = applyConnect(r);
      expect(result).to.deep.equal({ parent: { ...r.parent, Connect: { Native: true } } });
      expect(r.parent.Connect).to.equal(undefined);
      expect(r.findings).to.deep.equal([]);
      expect([...r.taken]).to.deep.equal([8080]);
    });

    it('adds a sidecar on 21000 plus the index, and takes its port', () => {
      const r = request({ index: 2, options: enabled() });
      const result = applyConnect(r);
      expect(result.parent).to.equal(r.parent);
      expect(result.sidecar).to.deep.include({ ID: 'host1:web:8080-sidecar-proxy', Kind: 'connect-proxy', Port: 21002 });
      expect(result).to.not.have.property('proxy');
      expect([...r.taken]).to.deep.equal([8080, 21002]);
      expect(r.findings).to.deep.equal([]);
    });

    it("takes its upstreams' ports too: the next sidecar of the container shares their loopback", () => {
      const r = request({ settings: settings({ connect: 'sidecar', connect_upstreams: 'db:5432,cache@dc2:6379' }) });
      applyConnect(r);
      expect([...r.taken]).to.deep.equal([8080, 21000, 5432, 6379]);
      expect(r.findings).to.deep.equal([]);
    });

    it('keeps upstreams off the sidecar port it just took', () => {
      const r = request({
        settings: settings({ connect: 'sidecar', connect_port: '9000', connect_upstreams: 'db:9000,cache:8080,q:7000' }),
      });
      const result = applyConnect(r);
      expect(result.sidecar!.Port).to.equal(9000);
      expect(result.sidecar!.Proxy!.Upstreams).to.deep.equal([{ DestinationName: 'q', LocalBindPort: 7000 }]);
      expect(r.findings).to.have.length(2);
    });

    it(`registers no more than ${MAX_SIDECARS} sidecars for one container, saying so`, () => {
      expect(applyConnect(request({ index: MAX_SIDECARS - 1 })).sidecar!.Port).to.equal(DEFAULT_SIDECAR_PORT + MAX_SIDECARS - 1);
      const r = request({ index: MAX_SIDECARS });
      expect(applyConnect(r)).to.deep.equal({ parent: r.parent });
      expect([...r.taken]).to.deep.equal([8080]);
      expect(r.findings).to.have.length(1);
      expect(r.findings[0]).to.include({ code: 'too-many-sidecars', port: '8080' });
      const native = request({ index: MAX_SIDECARS, settings: settings({ connect: 'native' }) });
      expect(applyConnect(native).parent.Connect, 'a Connect-native service needs no sidecar').to.deep.equal({ Native: true });
    });

    it('registers no sidecar, and so no proxy, when its port is unusable', () => {
      const r = request({ taken: new Set([8080, 21000]) });
      expect(applyConnect(r)).to.deep.equal({ parent: r.parent });
      expect(r.findings).to.have.length(1);
      expect(r.findings[0]).to.include({ code: 'sidecar-port-taken', port: '8080' });
    });

    it('describes the proxy container: its name, image, command with -sidecar-for, the agent by the gateway, and the run of its app', () => {
      const r = request();
      const result = applyConnect(r);
      expect(result.proxy).to.deep.equal({
        appId: 'c'.repeat(64),
        sidecarId: 'host1:web:8080-sidecar-proxy',
        serviceId: 'host1:web:8080',
        serviceName: 'web',
        name: 'web-sidecar-proxy',
        image: 'hashicorp/consul:1.20',
        cmd: ['consul', 'connect', 'proxy', '-sidecar-for', 'host1:web:8080'],
        env: { CONSUL_HTTP_ADDR: 'http://10.201.1.1:8500' },
        limits: DEFAULT_PROXY_LIMITS,
        appStartedAt: '2026-11-27T17:17:47.328654356Z',
      });
      expect(r.options!.proxy!.command, 'the operator’s command is not changed').to.deep.equal(['consul', 'connect', 'proxy']);
      expect(r.findings).to.deep.equal([]);
    });

    it('names the proxy after the port when the app has several', () => {
      const r = request({ app: { ...request().app, several: true } });
      expect(applyConnect(r).proxy!.name).to.equal('web-sidecar-proxy-8080');
    });

    it("reaches the agent over the gateway with the agent's scheme and port, an IPv6 gateway in brackets", () => {
      const https = proxyOptions({ agentScheme: 'https', agentPort: 8501 });
      expect(applyConnect(request({ options: enabled(https) })).proxy!.env.CONSUL_HTTP_ADDR).to.equal('https://10.201.1.1:8501');
      expect(applyConnect(request({ gateway: 'fd00:201:6::1' })).proxy!.env.CONSUL_HTTP_ADDR).to.equal('http://[fd00:201:6::1]:8500');
    });

    it('takes --connect-proxy-consul-addr over the gateway, and needs no gateway with it', () => {
      const options = enabled(proxyOptions({ consulAddr: 'https://consul.internal:8501' }));
      expect(applyConnect(request({ options })).proxy!.env).to.deep.equal({ CONSUL_HTTP_ADDR: 'https://consul.internal:8501' });
      const r = request({ options, gateway: undefined });
      expect(applyConnect(r).proxy!.env.CONSUL_HTTP_ADDR).to.equal('https://consul.internal:8501');
      expect(r.findings).to.deep.equal([]);
    });

    it('gives the proxy CONSUL_HTTP_TOKEN only when a token is given', () => {
      const withToken = applyConnect(request({ options: enabled(proxyOptions({ token: 'proxy-secret' })) })).proxy!;
      expect(withToken.env).to.deep.equal({ CONSUL_HTTP_ADDR: 'http://10.201.1.1:8500', CONSUL_HTTP_TOKEN: 'proxy-secret' });
      for (const options of [enabled(proxyOptions()), enabled(proxyOptions({ token: '' }))]) {
        expect(applyConnect(request({ options })).proxy!.env).to.not.have.property('CONSUL_HTTP_TOKEN');
      }
    });

    it("asks for a token of its own, for the app's service alone, when ACLs are on and no token is shared; none in its environment", () => {
      const own = applyConnect(request({ options: enabled(proxyOptions({ ownTokens: true })) })).proxy!;
      expect(own).to.deep.include({ ownToken: true, serviceName: 'web' });
      expect(own.env).to.not.have.property('CONSUL_HTTP_TOKEN');
      const shared = applyConnect(request({ options: enabled(proxyOptions({ ownTokens: true, token: 'proxy-secret' })) })).proxy!;
      expect(shared).to.not.have.property('ownToken');
      expect(shared.env.CONSUL_HTTP_TOKEN).to.equal('proxy-secret');
      expect(applyConnect(request()).proxy!).to.not.have.property('ownToken');
    });

    it("carries the operator's limits, and the app's cgroup parent when it has one", () => {
      const limits = { memoryBytes: 64 * 2 ** 20, nanoCpus: 5e8, pids: 32 };
      const placed = applyConnect(
        request({ options: enabled(proxyOptions({ limits })), app: { ...request().app, cgroupParent: '/apps' } }),
      ).proxy!;
      expect(placed).to.deep.include({ limits, cgroupParent: '/apps' });
      expect(applyConnect(request()).proxy!).to.not.have.property('cgroupParent');
    });

    it('keeps the sidecar but starts no proxy, with a warning, when nothing says where the agent is', () => {
      const r = request({ gateway: undefined });
      const result = applyConnect(r);
      expect(result.sidecar).to.not.equal(undefined);
      expect(result).to.not.have.property('proxy');
      expect(codes(r.findings)).to.deep.equal(['proxy-no-gateway']);
    });
  });
});
