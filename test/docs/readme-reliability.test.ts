/**
 * The README's Reliability table names, for each promise, the tests that check it: every named file
 * must exist and hold every quoted describe/it name (a name ending in "…" is a prefix), so renaming
 * or deleting a test cannot leave a promise without one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../cli/run-cli.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const section = /\n## Reliability\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';
const rows = section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| promise') && !l.startsWith('| ---'));

describe("README's Reliability table", () => {
  it('has a row per promise, each naming at least one test file', () => {
    expect(rows.length).toBeGreaterThanOrEqual(10);
    for (const row of rows) expect(row, row).toMatch(/`[a-z-]+\/[a-z-]+\.test\.ts`/);
  });

  it.each(rows.map((r) => [r.slice(2, 60), r]))('%s… names tests that exist', (_label, row) => {
    const tests = row.split(' | ').at(-1)!;
    // `file.test.ts` › "name", "name"; `file` … (parts split before each file)
    for (const part of tests.split(/;\s*(?=`)/)) {
      const file = /`([a-z-]+\/[a-z-]+\.test\.ts)`/.exec(part)?.[1];
      expect(file, part).toBeDefined();
      const path = join(ROOT, 'test', file!);
      expect(existsSync(path), path).toBe(true);
      const source = readFileSync(path, 'utf8');
      for (const [, quoted] of part.matchAll(/"([^"]+)"/g)) {
        const name = quoted.replace(/\s*…$/, '').replace(/\\\|/g, '|');
        expect(source.includes(name), `${file} has no test named "${name}"`).toBe(true);
      }
    }
  });
});
