/** The release-naming rule: the README's table of examples, checked row by row. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { maturityFromName, maturityOf } from '../../src/catalog/maturity.ts';
import { MATURITIES, type Maturity } from '../../src/catalog/types.ts';

interface Row { name: string; normal: Maturity; bleedingEdge: Maturity }

/** The rows of the table under "### Release names and maturity" in README.md. */
function readmeTable(): Row[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('### Release names and maturity');
  assert.ok(start >= 0, 'README.md has a "Release names and maturity" section');
  const section = readme.slice(start, readme.indexOf('\n#', start + 1));
  const rows: Row[] = [];
  for (const line of section.split('\n')) {
    const m = /^\| `([^`]+)` \| (\w+) \| (\w+) \|$/.exec(line.trim());
    if (!m) continue;
    for (const v of [m[2], m[3]]) assert.ok((MATURITIES as string[]).includes(v), `${line}: ${v} is a maturity`);
    rows.push({ name: m[1], normal: m[2] as Maturity, bleedingEdge: m[3] as Maturity });
  }
  return rows;
}

test('README release-naming table: every example gets the maturity the table gives', () => {
  const rows = readmeTable();
  assert.ok(rows.length >= 20, `the table has its examples (${rows.length} rows)`);
  for (const r of rows) {
    assert.equal(maturityOf(r.name, 'normal'), r.normal, `${r.name} in a normal category`);
    assert.equal(maturityOf(r.name, 'bleeding-edge'), r.bleedingEdge, `${r.name} in a bleeding-edge category`);
  }
});

test('maturityFromName: undefined without a maturity word; never an inherited object key', () => {
  for (const name of ['2.0', 'constructor', '__proto__', 'toString-1.0', '', '...', 'deadbeef-cafe']) {
    assert.equal(maturityFromName(name), undefined, name);
  }
  assert.equal(maturityFromName('RC'), 'rc');
});
