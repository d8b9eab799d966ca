/**
 * @file Commander flags from the options schema (options/schema.ts): each command adds the entries
 * that list it, so a flag's text, parser, default and help line exist once, and reads them back as
 * the API's options with {@link apiOptions}. A rejected value exits 2 with the sharp-style
 * "Expected an integer ≥ 1 for --batch-size but received '1.5'."
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { optionsOf, runtimeChoices, type CommandName, type OptionSpec } from '../options/schema.js';
import { flagMessage } from '../options/validate.js';

/** The long flag of an entry (`--kid-subsets` of `--kid-subsets <n>`). */
export function longFlag(spec: OptionSpec): string {
  return /--[a-z0-9-]+/.exec(spec.flag)![0];
}

/** How `--help` and the README show an entry's default; undefined when it has none. */
export function defaultText(spec: OptionSpec): string | undefined {
  if (spec.defaultText !== undefined) return spec.defaultText;
  if (spec.default === undefined || typeof spec.default === 'boolean') return undefined;
  if (Array.isArray(spec.default)) return spec.default.map((v) => (v === Infinity ? 'none' : String(v))).join(',');
  return String(spec.default);
}

/** The help line of an entry: its doc, the names it accepts when they come from a list. */
export function helpText(spec: OptionSpec): string {
  const choices = spec.type.choices?.();
  return choices && !spec.doc.includes(choices.join(', ')) ? `${spec.doc}: ${choices.join(', ')}` : spec.doc;
}

/** A commander Option for one schema entry. */
export function optionFor(spec: OptionSpec): Option {
  const shown = defaultText(spec);
  const takesValue = /[<[]/.test(spec.flag);
  const valued = spec.default !== undefined && takesValue && !spec.defaultInApi;
  // Commander shows a default only beside a value; a computed default is shown in the help line.
  const option = new Option(
    spec.flag,
    spec.required ? `${helpText(spec)} (required)` : !valued && takesValue && shown !== undefined ? `${helpText(spec)} (default: ${shown})` : helpText(spec),
  );
  if (takesValue) {
    const flag = longFlag(spec);
    option.argParser((text: string) => {
      const value = spec.type.parse(text);
      if (value === undefined) throw new InvalidArgumentError(flagMessage(flag, spec.type, text));
      return value;
    });
  }
  // Switches have no default to show (commander handles --no-x).
  if (valued) option.default(spec.default, shown);
  if (spec.required) option.makeOptionMandatory();
  return option;
}

/**
 * The commander Options of one entry: one, or for a per-extractor template (`--weights-<extractor>
 * <path>`) one per extractor that takes weights, `--weights-inception`, `--weights-mnist`, …
 */
export function optionsFor(spec: OptionSpec): Option[] {
  if (spec.aliases !== undefined) return [optionFor(spec), ...spec.aliases.map((alias) => optionFor(aliasSpec(spec, alias)))];
  if (!spec.perExtractor) return [optionFor(spec)];
  return runtimeChoices.weightedExtractors().map((name) => {
    const flag = spec.flag.replace('<extractor>', name);
    return optionFor({ ...spec, flag, perExtractor: false, doc: `${spec.doc.replace(/ \(.*\)/, '').replace('one extractor by name', `the ${name} extractor`)}`, defaultText: undefined });
  });
}

/** The entry an alias flag stands for: `spec` under the flag `alias`, its help saying whose alias it is. */
function aliasSpec(spec: OptionSpec, alias: string): OptionSpec {
  if (spec.default !== undefined && !spec.defaultInApi) throw new Error(`${spec.flag}: an alias needs an entry without a flag default`);
  return { ...spec, flag: spec.flag.replace(longFlag(spec), alias), aliases: undefined, doc: `the same as ${longFlag(spec)}` };
}

/**
 * The value of an entry given under its own flag or an alias; a usage error when two spellings
 * were given different values.
 * @throws {UsageError} naming both flags and their values.
 */
function aliasedValue(spec: OptionSpec, flags: Readonly<Record<string, unknown>>): unknown {
  let value = flags[attributeName(spec)];
  let from = longFlag(spec);
  for (const alias of spec.aliases ?? []) {
    const other = flags[camelCase(alias.slice(2))];
    if (other === undefined) continue;
    if (value !== undefined && value !== other) {
      throw new UsageError(`${from} ${String(value)} and ${alias} ${String(other)} disagree: ${alias} is another name for ${longFlag(spec)}, give one of them`);
    }
    value = other;
    from = alias;
  }
  return value;
}

/** The record a per-extractor template's flags gave (`{ vgg16: 'vgg.pth' }`), undefined when none was given. */
export function perExtractorValues(spec: OptionSpec, flags: Readonly<Record<string, unknown>>): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const name of runtimeChoices.weightedExtractors()) {
    const key = camelCase(longFlag({ ...spec, flag: spec.flag.replace('<extractor>', name) }).slice(2));
    if (typeof flags[key] === 'string') out[name] = flags[key] as string;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

const camelCase = (s: string) => s.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Where commander stores an entry's value: `--kid-subsets` → kidSubsets, `--no-cache` → cache, `-n, --count` → count. */
export function attributeName(spec: OptionSpec): string {
  return new Option(spec.flag).attributeName();
}

/** Entries main.ts adds to every command itself (`-q, --quiet`), so no command can miss them. */
export const COMMON_KEYS: readonly string[] = ['quiet'];

/** Add every schema entry that lists `command`, except the common ones (main.ts adds those to every command). */
export function addOptions(cmd: Command, command: CommandName): Command {
  for (const spec of optionsOf(command)) {
    if (COMMON_KEYS.includes(spec.key)) continue;
    for (const option of optionsFor(spec)) cmd.addOption(option);
  }
  return cmd;
}

/**
 * The API options a command's parsed flags stand for: each schema entry of `command` read from its
 * commander attribute and stored under its API key (`--ext` → extensions, `--lr` → learningRate,
 * `--weights-<extractor>` → extractorWeights). Flags not given and without a flag default are left out.
 * @example score(inputs, { ...apiOptions('score', flags), onProgress })
 */
export function apiOptions(command: CommandName, flags: object): Record<string, unknown> {
  const given = flags as Readonly<Record<string, unknown>>;
  const out: Record<string, unknown> = {};
  for (const spec of optionsOf(command)) {
    const value = spec.perExtractor ? perExtractorValues(spec, given) : aliasedValue(spec, given);
    if (value !== undefined) out[spec.key] = value;
  }
  return out;
}
