import { expect } from 'chai';
import type { ContainerFacts } from '../../../src/model/facts.js';
import { parseNamePolicy } from '../../../src/model/name-policy.js';
import { planContainer, type PlanOptions } from '../../../src/model/plan.js';
import { evaluateTag } from '../../../src/model/tag-template.js';
import { MAX_TAG_LENGTH } from '../../../src/model/caps.js';
import { facts, inspect, options, withSettings } from '../support/fixtures.js';
import { factsFromInspect } from '../../../src/docker/facts.js';

const container = (labels: Record<string, string>, env: Record<string, string> = {}): ContainerFacts => ({
  ...withSettings(facts('user-network'), { SERVICE_NAME: 'web', ...labels }, env),
  name: 'web-1',
  hostname: 'box7',
  image: 'nginx:1.27',
});
const tags = (labels: Record<string, string>, opts: Partial<PlanOptions> = {}, env: Record<string, string> = {}) =>
  planContainer(container(labels, env), options(opts)).registrations[0]!.Tags;
const findings = (labels: Record<string, string>, opts: Partial<PlanOptions> = {}) =>
  planContainer(container(labels), options(opts)).findings;

describe("model/tag-template: the fork's Go-template fields in tags", () => {
  it('fills in .Name, .Config.Hostname, .Config.Image and index .Config.Labels, spaces inside the braces allowed', () => {
    const labels = {
      SERVICE_TAGS: 'n={{.Name}},h={{ .Config.Hostname }},i={{.Config.Image}},t={{index .Config.Labels "team"}}',
      team: 'ops',
    };
    expect(tags(labels)).to.deep.equal(['n=web-1', 'h=box7', 'i=nginx:1.27', 't=ops']);
    expect(findings(labels)).to.deep.equal([]);
  });

  it('fills in --tags per container too, after its plain tags', () => {
    expect(tags({ team: 'ops' }, { tags: ['host-{{.Config.Hostname}}', 'plain', '{{index .Config.Labels "team"}}'] })).to.deep.equal([
      'plain',
      'host-box7',
      'ops',
    ]);
  });

  it('gives a missing label or hostname as empty, and drops a tag that is left empty', () => {
    expect(tags({ SERVICE_TAGS: 'a{{index .Config.Labels "nope"}},{{index .Config.Labels "toString"}},x' })).to.deep.equal(['a', 'x']);
    const noHost = { ...container({ SERVICE_TAGS: 'h-{{.Config.Hostname}}' }) };
    delete noHost.hostname;
    expect(planContainer(noHost, options()).registrations[0]!.Tags).to.deep.equal(['h-']);
  });

  it('never reads env or anything else: other fields stay as written, with one finding', () => {
    const labels = { SERVICE_TAGS: '{{.Config.Env}},{{index .Config.Labels "a" | printf}},{{env "HOME"}},{{.ID}}' };
    expect(tags(labels, {}, { HOME: '/root' })).to.deep.equal([
      '{{.Config.Env}}',
      '{{index .Config.Labels "a" | printf}}',
      '{{env "HOME"}}',
      '{{.ID}}',
    ]);
    const found = findings(labels).filter((f) => f.code === 'tag-template-unsupported');
    expect(found.map((f) => f.label)).to.deep.equal(['SERVICE_TAGS']);
    expect(findings({}, { tags: ['{{.State}}'] }).map((f) => [f.code, f.label])).to.deep.equal([['tag-template-unsupported', '--tags']]);
    const several = { ...container(labels), exposedPorts: [80, 81, 82].map((port) => ({ port, protocol: 'tcp' as const })) };
    const all = planContainer(several, options()).findings.filter((f) => f.code === 'tag-template-unsupported');
    expect(all, 'one for the container, not one per port').to.have.length(1);
  });

  it('keeps unterminated braces as text, and reads a label key with no escapes only', () => {
    expect(tags({ SERVICE_TAGS: '{{.Name' })).to.deep.equal(['{{.Name']);
    expect(tags({ SERVICE_TAGS: '{{index .Config.Labels "a\\"b"}}' })).to.deep.equal(['{{index .Config.Labels "a\\"b"}}']);
  });

  it('bounds the result as any tag: a label too long to be a tag is left out with tag-refused', () => {
    const labels = { SERVICE_TAGS: 'ok,{{index .Config.Labels "big"}}', big: 'x'.repeat(MAX_TAG_LENGTH + 1), ctl: 'a\u0007b' };
    expect(tags(labels)).to.deep.equal(['ok']);
    expect(findings(labels).map((f) => f.code)).to.deep.equal(['tag-refused']);
    expect(tags({ ...labels, SERVICE_TAGS: '{{index .Config.Labels "ctl"}}' })).to.deep.equal([]);
    expect(tags({}, { tags: ['{{index .Config.Labels "big"}}'] })).to.deep.equal([]);
  });

  it('cuts the filled-in text short however many fields a tag repeats', () => {
    const big = { ...container({ big: 'y'.repeat(100_000) }) };
    const { tag } = evaluateTag('{{index .Config.Labels "big"}}'.repeat(100), big);
    expect(tag.length).to.be.at.most(4097);
    const started = process.hrtime.bigint();
    evaluateTag('{{.Name'.repeat(40_000), big); // quadratic scanning would take seconds
    expect(Number(process.hrtime.bigint() - started) / 1e6).to.be.below(500);
  });

  it('lets the name policy reserve a filled-in tag, from SERVICE_TAGS and --tags alike', () => {
    const policy = parseNamePolicy(JSON.stringify({ rules: [{ tags: ['traefik.*'], containers: { label: 'team=edge' } }] }));
    const labels = { SERVICE_TAGS: '{{index .Config.Labels "t"}}', t: 'traefik.enable=true' };
    expect(tags(labels, { namePolicy: policy, tags: ['{{index .Config.Labels "t"}}', 'traefik.operator'] })).to.deep.equal([
      'traefik.operator',
    ]);
  });

  it('reads the hostname fact from Config.Hostname', () => {
    const info = inspect('default-bridge');
    expect(factsFromInspect(info).hostname).to.equal(info.Config.Hostname);
  });
});

describe('model/tag-template: SERVICE_TAGS is filled in first, then split, as the fork does', () => {
  it("splits a label's value that holds commas into tags, and reads a label key with a comma", () => {
    expect(tags({ SERVICE_TAGS: 'x,{{index .Config.Labels "team"}}', team: 'ops,dev' })).to.deep.equal(['x', 'ops', 'dev']);
    expect(tags({ SERVICE_TAGS: '{{index .Config.Labels "a,b"}}', 'a,b': 'v' })).to.deep.equal(['v']);
  });

  it('keeps a comma written \\, inside its tag', () => {
    expect(tags({ SERVICE_TAGS: 'a\\,b,c' })).to.deep.equal(['a,b', 'c']);
    expect(tags({ SERVICE_TAGS: ',,\\,,' })).to.deep.equal([',']);
  });
});
