import { expect } from 'chai';
import { codes } from '../support/findings.js';
import type { Finding } from '../../../src/model/findings.js';
import { boundedTags, DEFAULT_MAX_SERVICES, MAX_TAG_LENGTH, MAX_TAGS } from '../../../src/model/caps.js';

const tags = (input: string[]) => {
  const findings: Finding[] = [];
  return { kept: boundedTags(input, findings), findings };
};

describe('model/caps', () => {
  it('keeps the documented bounds: 64 services, 64 tags of 256 characters', () => {
    expect([DEFAULT_MAX_SERVICES, MAX_TAGS, MAX_TAG_LENGTH]).to.deep.equal([64, 64, 256]);
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
