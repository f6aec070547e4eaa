import { expect } from 'chai';
import { codes } from '../support/findings.js';
import type { Finding } from '../../../src/model/findings.js';
import {
  boundedTags,
  DEFAULT_MAX_SERVICES,
  deregistrableById,
  idProblem,
  MAX_ID_LENGTH,
  MAX_TAG_LENGTH,
  MAX_TAGS,
  RESERVED_ID_PREFIX,
} from '../../../src/model/limits.js';

const tags = (input: string[]) => {
  const findings: Finding[] = [];
  return { kept: boundedTags(input, findings), findings };
};

describe('model/limits', () => {
  it('keeps the documented bounds: 64 services, 64 tags of 256 characters, IDs of 128', () => {
    expect([DEFAULT_MAX_SERVICES, MAX_TAGS, MAX_TAG_LENGTH, MAX_ID_LENGTH]).to.deep.equal([64, 64, 256, 128]);
    expect(RESERVED_ID_PREFIX).to.equal('consul-registrar:');
  });

  describe('idProblem', () => {
    for (const id of ['web-1', 'a.b:c_d', 'A9', '...x', 'x..', 'host1:web:80:udp', 'a'.repeat(MAX_ID_LENGTH), 'consul-registrar']) {
      it(`accepts ${JSON.stringify(id.length > 40 ? `${id.slice(0, 10)}… (${id.length})` : id)}`, () => {
        expect(idProblem(id)).to.equal(undefined);
      });
    }

    const refused: [string, string][] = [
      ['a/b', 'a slash'],
      ['/x', 'a leading slash'],
      ['../..', 'a parent path'],
      ['..', 'only dots'],
      ['.', 'a single dot'],
      ['...', 'three dots'],
      ['x y', 'a space'],
      ['x%2Fy', 'a %-escape'],
      ['x?y', 'a query'],
      ['x#y', 'a fragment'],
      ['x\\y', 'a backslash'],
      ['x\ny', 'a newline'],
      ['', 'nothing'],
      ['héllo', 'a non-ASCII letter'],
    ];
    for (const [id, what] of refused) {
      it(`refuses an ID with ${what}: ${JSON.stringify(id)}`, () => {
        expect(idProblem(id))
          .to.be.a('string')
          .and.match(/letters, digits/);
      });
    }

    it('refuses an ID longer than 128 characters, saying so', () => {
      expect(idProblem('a'.repeat(MAX_ID_LENGTH + 1))).to.equal('is longer than 128 characters');
    });

    it("refuses the prefix of the registrars' own services, naming it", () => {
      expect(idProblem('consul-registrar:host1')).to.be.a('string').and.include('consul-registrar:').and.include('reserved');
      expect(idProblem('consul-registrar:')).to.include('reserved');
    });
  });

  describe('deregistrableById', () => {
    for (const id of ['a/b', 'ok', 'host1:web:80', 'a..b', '.x', 'x.']) {
      it(`is true for ${JSON.stringify(id)}: the deregister URL path stays as it is`, () => {
        expect(deregistrableById(id)).to.equal(true);
      });
    }

    for (const id of ['/x', '../..', '.', '..', 'a//b', 'a/./b', 'a/../b', '']) {
      it(`is false for ${JSON.stringify(id)}: Consul's router would clean the path and never remove it`, () => {
        expect(deregistrableById(id)).to.equal(false);
      });
    }

    it('is true for every ID idProblem accepts', () => {
      for (const id of ['web-1', 'a.b:c_d', '...x', 'a'.repeat(MAX_ID_LENGTH)]) expect(deregistrableById(id), id).to.equal(true);
    });
  });

  describe('boundedTags', () => {
    it('keeps ordinary tags in their order, without findings', () => {
      expect(tags(['b', 'a', 'v1.2', 'x=y'])).to.deep.equal({ kept: ['b', 'a', 'v1.2', 'x=y'], findings: [] });
    });

    it('drops repeated tags silently, keeping the first', () => {
      expect(tags(['a', 'b', 'a', 'b', 'c'])).to.deep.equal({ kept: ['a', 'b', 'c'], findings: [] });
    });

    const controls: [string, string][] = [
      ['a\nb', 'a newline'],
      ['\u001b[31mred', 'an escape'],
      ['a\u0000', 'a NUL'],
      ['del\u007f', 'a DEL'],
      ['t\tab', 'a tab'],
    ];
    for (const [tag, what] of controls) {
      it(`drops a tag with ${what}, with a warning that shows it escaped`, () => {
        const { kept, findings } = tags(['ok', tag]);
        expect(kept).to.deep.equal(['ok']);
        expect(findings).to.have.length(1);
        expect(findings[0]?.code).to.equal('tag-refused');
        expect(findings[0]!.text).to.not.match(/[\u0000-\u001f\u007f]/);
      });
    }

    it('keeps a tag of 256 characters and drops one of 257, with a bounded warning', () => {
      const { kept, findings } = tags(['x'.repeat(MAX_TAG_LENGTH), 'y'.repeat(MAX_TAG_LENGTH + 1)]);
      expect(kept).to.deep.equal(['x'.repeat(MAX_TAG_LENGTH)]);
      expect(findings).to.have.length(1);
      expect(findings[0]?.code).to.equal('tag-refused');
      expect(findings[0]!.text.length).to.be.lessThan(200);
    });

    it('keeps at most 64 tags, the first ones, and warns once', () => {
      const input = Array.from({ length: 100 }, (_, i) => `t${i}`);
      const { kept, findings } = tags(input);
      expect(kept).to.deep.equal(input.slice(0, MAX_TAGS));
      expect(codes(findings)).to.deep.equal(['too-many-tags']);
    });

    it('counts 64 distinct tags, not repeats, against the cap', () => {
      const input = Array.from({ length: MAX_TAGS }, (_, i) => `t${i}`);
      const { kept, findings } = tags([...input, ...input]);
      expect(kept).to.deep.equal(input);
      expect(findings).to.deep.equal([]);
    });

    it('does not count dropped tags against the cap', () => {
      const input = [...Array.from({ length: 10 }, (_, i) => `bad\n${i}`), ...Array.from({ length: MAX_TAGS }, (_, i) => `t${i}`)];
      const { kept, findings } = tags(input);
      expect(kept).to.have.length(MAX_TAGS);
      expect(findings).to.have.length(10);
    });
  });
});
