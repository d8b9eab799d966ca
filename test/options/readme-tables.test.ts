/**
 * The README's option tables are the options schema printed (scripts/options-tables.ts writes
 * them; `npm run docs:options` after changing an option): a flag, default or help line that differs
 * between the two fails here, and every command with options has its table.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { markedCommands, withOptionTables } from '../../scripts/options-tables.js';
import { O } from '../../src/options/schema.js';

const README = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

describe('README option tables', () => {
  it('equal the schema', () => {
    expect(README).toBe(withOptionTables(README));
  });

  it('exist for every command that takes options', () => {
    const commands = new Set(Object.values(O).flatMap((o) => o.commands as readonly string[]));
    expect(markedCommands(README).sort()).toEqual([...commands].sort());
  });
});
