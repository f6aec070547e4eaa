// --replace-registrator on a real dockerd and Consul agent: a registration exactly as Registrator's
// Consul backend writes it (bridge.go and consul.go: ID "<its hostname>:<container>:<port>", the
// name, the container's address with -internal, tags, one TCP check, no Meta) is taken over with
// Consul DNS answering all along, and look-alikes of other containers and hosts stay untouched.
import { expect } from 'chai';
import { isFullPass, RegistrarProcess, runCli } from '../support/registrar-process.js';
import {
  agentServices,
  cleanup,
  containerIp,
  deregister,
  dnsAnswer,
  registerForeign,
  requireRig,
  runContainer,
  uniqueName,
  waitFor,
} from '../support/rig.js';

describe('--replace-registrator', function () {
  this.timeout(60_000);
  const hostId = uniqueName('takeover');
  const foreign: string[] = [];
  let registrar: RegistrarProcess | undefined;

  before(requireRig);
  after(async () => {
    await registrar?.stop('SIGKILL');
    for (const id of foreign) await deregister(id);
    await cleanup([hostId]);
  });

  it("takes over Registrator's registration with DNS never empty, leaving look-alikes alone", async () => {
    const name = uniqueName('web');
    const service = uniqueName('svc');
    await runContainer({
      name,
      cmd: ['httpd', '-f', '-p', '80'],
      expose: ['80'],
      labels: { SERVICE_NAME: service, SERVICE_TAGS: 'blue', SERVICE_CHECK_TCP: 'true', SERVICE_CHECK_INTERVAL: '1s' },
    });
    const ip = await containerIp(name);
    // Registrator ran in a container: its hostname, the ID's first part, was that container's short ID.
    const theirs = `3f9a2c81b7d4:${name}:80`;
    const registration = (id: string, address: string) => ({
      ID: id,
      Name: service,
      Port: 80,
      Address: address,
      Tags: ['blue'],
      Check: { TCP: `${address}:80`, Interval: '1s' },
    });
    await registerForeign(registration(theirs, ip));
    // Look-alikes: another container's name, and the same name on another host (another address).
    foreign.push(theirs, `3f9a2c81b7d4:${name}-2:80`, `other-host:${name}:80`);
    // Under another name, so that they cannot answer for the service themselves.
    await registerForeign({ ...registration(foreign[1]!, ip), Name: `${service}-x`, Check: undefined });
    await registerForeign({ ...registration(foreign[2]!, '10.99.0.9'), Name: `${service}-x`, Check: undefined });
    await waitFor("Registrator's entry answering", async () => {
      const answer = await dnsAnswer(service);
      return answer !== 'error' && answer.includes(ip);
    });

    const plan = runCli(['plan', '--host-id', hostId, '--replace-registrator']).stdout;
    expect(plan).to.include(`replaces Registrator's ${theirs}`);
    expect(plan).not.to.include(foreign[1]).and.not.to.include(foreign[2]);

    const seen: (string[] | 'error')[] = [];
    let polling = true;
    const poll = (async () => {
      while (polling) {
        seen.push(await dnsAnswer(service));
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    registrar = new RegistrarProcess(['--host-id', hostId, '--resync', '1', '--replace-registrator']);
    await registrar.waitForLog('first pass', isFullPass);
    const replaced = await registrar.waitForLog(
      'the takeover',
      (l) => l.event === 'replaced-registrator' && l.serviceId === theirs,
      15_000,
    );
    await new Promise((r) => setTimeout(r, 1000));
    polling = false;
    await poll;

    expect(Object.keys(await agentServices(`Service == "${service}"`))).to.deep.equal([`${hostId}:${name}:80`]);
    expect(Object.keys(await agentServices(`Service == "${service}-x"`)).sort(), 'look-alikes untouched').to.deep.equal(
      [foreign[1], foreign[2]].sort(),
    );
    const answers = seen.filter((a): a is string[] => a !== 'error');
    expect(
      answers.filter((a) => !a.includes(ip)),
      'answers without the container',
    ).to.deep.equal([]);
    expect(answers.at(-1)).to.include(ip);
    expect(seen.filter((a) => a === 'error').length, 'DNS timeouts').to.be.below(3);
    console.log(`      ${seen.length} DNS answers over the switch, none without the container; replaced ${replaced.serviceId as string}`);
  });
});
