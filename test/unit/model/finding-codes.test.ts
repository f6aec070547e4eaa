import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { FINDING_CODES, finding } from '../../../src/model/finding-codes.js';

/** Every .ts file under src/, recursively. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The codes the source passes to finding(), including both arms of a `cond ? 'a' : 'b'`. */
function codesUsed(): Set<string> {
  const used = new Set<string>();
  const call = /\bfinding\(\s*(?:[\w.!]+\s*\?\s*)?'([a-z0-9-]+)'(?:\s*:\s*'([a-z0-9-]+)')?/g;
  for (const file of sources('src')) {
    for (const m of readFileSync(file, 'utf8').matchAll(call)) {
      used.add(m[1]!);
      if (m[2]) used.add(m[2]);
    }
  }
  return used;
}

// The one test that reads the codes' wording: the table and docs/findings.md must agree.
describe('model/finding-codes: the table of codes', () => {
  const table = Object.keys(FINDING_CODES);

  it('names each code in kebab-case, with a meaning, who acts and a fix', () => {
    for (const [code, info] of Object.entries(FINDING_CODES)) {
      expect(code, code).to.match(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
      expect(info.meaning, code).to.not.equal('');
      expect(info.fix, code).to.not.equal('');
      expect(['container author', 'operator'], code).to.include(info.actor);
    }
  });

  it('lists exactly the codes docs/findings.md has a heading for, in the same order', () => {
    const page = readFileSync('docs/findings.md', 'utf8');
    const headings = [...page.matchAll(/^## (.+)$/gm)].map((m) => m[1]!.trim());
    expect(headings).to.deep.equal(table);
    for (const code of table) {
      const section = page.split(`## ${code}\n`)[1]!.split('\n## ')[0]!;
      expect(section, code).to.include(FINDING_CODES[code as keyof typeof FINDING_CODES].meaning);
      expect(section, code).to.include('**Who acts:**').and.include('**Fix:**').and.include('**Example:**');
    }
  });

  it('holds every code the source uses, and no code it does not', () => {
    const used = codesUsed();
    expect(
      [...used].filter((code) => !table.includes(code)),
      'used but not in the table',
    ).to.deep.equal([]);
    expect(
      table.filter((code) => !used.has(code)),
      'in the table but never used',
    ).to.deep.equal([]);
  });

  it("gives a finding its code's fix unless a more specific one is given", () => {
    expect(finding('no-ports', 't')).to.deep.equal({ code: 'no-ports', text: 't', fix: FINDING_CODES['no-ports'].fix });
    expect(finding('no-ports', 't', { port: 80, label: 'L', fix: 'f' })).to.deep.equal({
      code: 'no-ports',
      port: '80',
      label: 'L',
      text: 't',
      fix: 'f',
    });
  });
});
