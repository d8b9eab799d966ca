/**
 * Every command's flags and `--help` come from the options schema: a command takes exactly the
 * flags its schema entries give (plus -h), and its help shows each entry's default as the schema
 * states it ("(default: 2020)", "(default: fid with two inputs, is with one)", "(required)").
 */
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { defaultText, optionsFor } from '../../src/cli/flags.js';
import { createCli } from '../../src/cli/main.js';
import { DEFAULTS, O, optionsOf, type CommandName, type OptionSpec } from '../../src/options/schema.js';
import { spawnCli } from './run-cli.js';

const PROGRAM = createCli({ io: { stdout: { write: () => true }, stderr: { write: () => true } }, setExitCode: () => undefined });

/** Every command of the program by its path (`stats merge`), parents included. */
function commands(): Map<string, Command> {
  const out = new Map<string, Command>();
  const walk = (cmd: Command, path: string[]) => {
    for (const c of cmd.commands) {
      const p = [...path, c.name()];
      out.set(p.join(' '), c);
      walk(c, p);
    }
  };
  walk(PROGRAM, []);
  return out;
}

const COMMANDS = commands();
const SCHEMA_COMMANDS = [...new Set(Object.values(O).flatMap((o) => o.commands as readonly string[]))].sort() as CommandName[];

/** The flag texts commander shows for an entry (one per extractor for `--weights-<extractor>`). */
const flagsOf = (spec: OptionSpec) => optionsFor(spec).map((o) => o.flags);

/** What the help must say about an entry's default. */
function defaultShown(spec: OptionSpec): string | undefined {
  if (spec.required) return '(required)';
  if (spec.perExtractor) return undefined; // one flag per extractor, each documented on its own
  const text = defaultText(spec);
  return text === undefined ? undefined : `(default: ${text})`;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The Options section of a help text as flags → description, line wrapping undone: an entry starts
 * with two spaces and a dash, its wrapped lines are indented further.
 */
function helpEntries(help: string): Map<string, string> {
  const section = help.split(/^Options:\n/m)[1].split(/\n\n/)[0];
  const entries = new Map<string, string>();
  let last = '';
  for (const line of section.split('\n')) {
    const m = /^ {2}(-\S.*?)(?: {2,}(.*))?$/.exec(line);
    if (m) entries.set((last = m[1]), m[2] ?? '');
    else entries.set(last, `${entries.get(last)} ${line.trim()}`.trim());
  }
  return entries;
}

describe('--help from the options schema', () => {
  it('covers every command the schema names, and the schema names every command that takes options', () => {
    expect(SCHEMA_COMMANDS.length).toBe(16);
    for (const name of SCHEMA_COMMANDS) expect([...COMMANDS.keys()], name).toContain(name);
    // The others are groups of subcommands (train, latent, cache): they take -q and -h only.
    for (const [name, cmd] of COMMANDS) {
      if ((SCHEMA_COMMANDS as string[]).includes(name)) continue;
      expect(cmd.commands.length, `${name} is not in the schema, so it must be a group`).toBeGreaterThan(0);
      expect(cmd.options.map((o) => o.flags), name).toEqual(['-q, --quiet']);
    }
  });

  it.each(SCHEMA_COMMANDS)('fidkit %s takes exactly its schema entries as flags', (name) => {
    const cmd = COMMANDS.get(name)!;
    expect(cmd.options.map((o) => o.flags).sort()).toEqual(optionsOf(name).flatMap(flagsOf).sort());
    // Within a command, no two entries share a flag or an API key.
    const specs = optionsOf(name);
    expect(new Set(specs.map((s) => s.key)).size, 'API keys').toBe(specs.length);
  });

  it.each(SCHEMA_COMMANDS)("fidkit %s --help shows each entry's flag and default as the schema states them", (name) => {
    const help = helpEntries(COMMANDS.get(name)!.helpInformation());
    for (const spec of optionsOf(name)) {
      for (const flag of flagsOf(spec)) {
        expect(help.has(flag), `${name}: ${flag}`).toBe(true);
        const shown = defaultShown(spec);
        if (shown !== undefined) expect(help.get(flag), `${name}: ${flag}`).toMatch(new RegExp(`${escapeRe(shown)}$`));
        else expect(help.get(flag), `${name}: ${flag}`).not.toMatch(/\(default: /);
      }
    }
  });

  it("the built `fidkit score --help` shows each option's default from the schema", () => {
    const r = spawnCli('score', '--help');
    expect(r.code).toBe(0);
    const help = helpEntries(r.stdout);
    // The values themselves, read from DEFAULTS: a default changed in the schema changes the help.
    const expected: [string, string | number][] = [
      ['--seed <n>', DEFAULTS.seed],
      ['--kid-subsets <n>', DEFAULTS.kidSubsets],
      ['--kid-subset-size <n>', DEFAULTS.kidSubsetSize],
      ['--kid-kernel <kernel>', DEFAULTS.kidKernel],
      ['--kid-kernel-rbf-sigma <sigma>', DEFAULTS.kidKernelRbfSigma],
      ['--is-splits <n>', DEFAULTS.isSplits],
      ['--fid-singular <mode>', DEFAULTS.fidSingular],
      ['--ext <list>', DEFAULTS.extensions.join(',')],
      ['--cache-max <size>', '2GB'],
      ['--k <n>', `${DEFAULTS.prK} for pr, ${DEFAULTS.prdcK} for prdc`],
    ];
    for (const [flag, value] of expected) expect(help.get(flag), flag).toMatch(new RegExp(`${escapeRe(`(default: ${value})`)}$`));
    expect(help.get('--json'), '--json').toBe('print one JSON document (schema fidkit.score/1) instead of a table');
    for (const spec of optionsOf('score')) {
      const shown = defaultShown(spec);
      if (shown !== undefined) expect(help.get(spec.flag)?.endsWith(shown), spec.flag).toBe(true);
    }
  });
});
