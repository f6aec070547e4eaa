import { expect } from 'chai';
import fc from 'fast-check';
import { printable, shown } from '../../../src/model/show.js';

// Characters that could break a log line or a terminal: C0, DEL, C1, and the JS/JSON line separators.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

describe('model/show', () => {
  describe('shown', () => {
    it('quotes a value as JSON', () => {
      expect(shown('web')).to.equal('"web"');
      expect(shown('')).to.equal('""');
    });

    it('escapes quotes and backslashes, so the value cannot close its quotes', () => {
      expect(shown('a"b\\c')).to.equal('"a\\"b\\\\c"');
    });

    it('escapes a newline and a carriage return, so a label cannot start a forged log line', () => {
      expect(shown('x\nlevel=error msg=forged\r')).to.equal('"x\\nlevel=error msg=forged\\r"');
    });

    it('escapes terminal escape sequences', () => {
      expect(shown('\u001b[31mred')).to.equal('"\\u001b[31mred"');
    });

    it('escapes DEL, C1 controls and the Unicode line and paragraph separators', () => {
      expect(shown('a\u007fb')).to.equal('"a\\u007fb"');
      expect(shown('a\u0085b\u009b')).to.equal('"a\\u0085b\\u009b"');
      expect(shown('a\u2028b\u2029c')).to.equal('"a\\u2028b\\u2029c"');
    });

    it('keeps other Unicode as it is', () => {
      expect(shown('日本 ✓')).to.equal('"日本 ✓"');
    });

    it('cuts a long value at 120 characters, marking the cut with …', () => {
      expect(shown('x'.repeat(500))).to.equal(`"${'x'.repeat(120)}…"`);
      expect(shown('x'.repeat(120))).to.equal(`"${'x'.repeat(120)}"`);
    });

    it('cuts at the length asked for', () => {
      expect(shown('abcdef', 3)).to.equal('"abc…"');
      expect(shown('abc', 3)).to.equal('"abc"');
    });

    it('cuts before escaping, so a value of control characters stays bounded', () => {
      const out = shown('\n'.repeat(10_000), 10);
      expect(out).to.equal(`"${'\\n'.repeat(10)}…"`);
    });

    it('gives one quoted line free of unsafe characters for any string', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.integer({ min: 1, max: 200 }), (value, max) => {
          const out = shown(value, max);
          expect(out).to.not.match(UNSAFE);
          expect(out.startsWith('"') && out.endsWith('"')).to.equal(true);
          // Every character becomes at most six (\uXXXX), plus the quotes and the …
          expect(out.length).to.be.at.most(6 * max + 3);
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('printable', () => {
    it('leaves ordinary text as it is, unquoted', () => {
      expect(printable('host1:web:80')).to.equal('host1:web:80');
      expect(printable('日本 "q"')).to.equal('日本 "q"');
    });

    it('escapes control characters, DEL, C1 and the line separators as \\uXXXX', () => {
      expect(printable('a\nb')).to.equal('a\\u000ab');
      expect(printable('\u001b[2J')).to.equal('\\u001b[2J');
      expect(printable('\u0000\u007f\u0085\u2028\u2029')).to.equal('\\u0000\\u007f\\u0085\\u2028\\u2029');
    });

    it('leaves no unsafe character in any string', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
          expect(printable(text)).to.not.match(UNSAFE);
        }),
        { numRuns: 300 },
      );
    });
  });
});

describe('model/show: formatting marks', () => {
  it('escapes bidirectional and invisible marks that would make a line read differently', () => {
    for (const mark of ['\u202e', '\u2066', '\u200b', '\u200f', '\ufeff', '\u0085']) {
      expect(printable(`a${mark}b`)).to.not.include(mark);
      expect(shown(`a${mark}b`)).to.not.include(mark);
    }
  });
});
