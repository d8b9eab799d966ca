/**
 * @file What every command shares beyond its schema entries (options/schema.ts, added by
 * `addOptions` in flags.ts): the common flags main.ts gives every command, and the extractor list
 * printed under the help of the commands that read images.
 */
import type { Command } from 'commander';
import { extractorSpecs } from '../features/registry.js'; // also fills the extractor choices of the schema
import { O } from '../options/schema.js';
import { optionFor } from './flags.js';

/** The flags every command takes. */
export interface CommonFlags {
  quiet?: boolean;
}

/**
 * Add the flags every command takes (one definition, applied to each command by `createCli`).
 * `--quiet` silences progress, notes and warnings on stderr; errors are still printed.
 */
export function addCommonOptions(cmd: Command): Command {
  return cmd.addOption(optionFor(O.quiet));
}

/** List the extractors under the help of a command that reads images (`--extractor` takes their names). */
export function addExtractorHelp(cmd: Command): Command {
  return cmd.addHelpText(
    'after',
    () =>
      `\nExtractors (--extractor; \`fidkit extractors\` shows layers, protocols and weights):\n${extractorSpecs()
        .map((e) => `  ${(e.argument ? `${e.name}:${e.argument}` : e.name).padEnd(18)} ${e.description}`)
        .join('\n')}\n`,
  );
}
