/**
 * @file The README's option tables, generated from the options schema: each command's table sits
 * between `<!-- options:<command> -->` and `<!-- /options:<command> -->`. `npm run docs:options`
 * rewrites them; test/options/readme-tables.test.ts fails when the README and the schema differ.
 * The image flags every image-reading command shares are written out once, in `fidkit score`'s
 * table; the other commands' tables name them in one row. Dev-only: not part of dist.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import '../src/cli/main.js'; // the CLI's tables (extractors, protocols, metrics) fill the schema's run-time lists, as for --help
import { COMMON_KEYS, defaultText, helpText } from '../src/cli/flags.js';
import { optionsOf, READS_IMAGES, type CommandName, type OptionSpec } from '../src/options/schema.js';

const escape = (s: string) => s.replace(/\|/g, '\\|');

/** The command whose table lists the image flags in full. */
const IMAGE_FLAGS_IN: CommandName = 'score';

/** The image flags `command` takes: its entries shared with `fidkit score` (-q aside, which every command takes). */
function imageFlags(command: CommandName): OptionSpec[] {
  if (!READS_IMAGES.includes(command) || command === IMAGE_FLAGS_IN) return [];
  return optionsOf(command).filter((o) => !COMMON_KEYS.includes(o.key) && o.commands.includes(IMAGE_FLAGS_IN));
}

/** The default column: a value in code type, a computed default as the words that say it. */
function defaultCell(o: OptionSpec): string {
  if (o.required) return 'required';
  const shown = defaultText(o);
  if (shown === undefined) return o.flag.startsWith('--no-') ? `${/--no-([a-z0-9-]+)/.exec(o.flag)![1]} on` : '—';
  return /\s/.test(shown) ? shown : `\`${shown}\``;
}

function row(o: OptionSpec): string {
  const flags = [o.flag, ...(o.aliases ?? []).map((a) => o.flag.replace(/--[a-z0-9-]+/, a))];
  return `| ${flags.map((f) => `\`${escape(f)}\``).join(', ')} | ${escape(defaultCell(o))} | ${escape(helpText(o))} |`;
}

/** The markdown table of one command's options. */
export function optionTable(command: CommandName): string {
  const shared = imageFlags(command);
  const own = optionsOf(command).filter((o) => !shared.includes(o));
  const rows = own.map(row);
  if (shared.length > 0) {
    // Before -q, which stays last as in --help.
    const at = own.findIndex((o) => COMMON_KEYS.includes(o.key));
    const flags = shared.map((o) => `\`${escape(/--[a-z0-9<>-]+/.exec(o.flag)![0])}\``).join(', ');
    rows.splice(at < 0 ? rows.length : at, 0, `| the image flags | as for \`fidkit ${IMAGE_FLAGS_IN}\` | ${flags}: see the \`fidkit ${IMAGE_FLAGS_IN}\` table |`);
  }
  return ['| option | default | what it does |', '| --- | --- | --- |', ...rows].join('\n');
}

const BLOCK = /<!-- options:([a-z ]+) -->\n[\s\S]*?<!-- \/options:\1 -->/g;

/** The README with every marked table regenerated. */
export function withOptionTables(readme: string): string {
  return readme.replace(BLOCK, (_all, command: string) => `<!-- options:${command} -->\n${optionTable(command as CommandName)}\n<!-- /options:${command} -->`);
}

/** Commands whose tables the README marks. */
export function markedCommands(readme: string): string[] {
  return [...readme.matchAll(BLOCK)].map((m) => m[1]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const path = fileURLToPath(new URL('../README.md', import.meta.url));
  const before = readFileSync(path, 'utf8');
  const after = withOptionTables(before);
  writeFileSync(path, after);
  console.log(before === after ? 'README option tables already match the schema' : `rewrote the option tables of: ${markedCommands(after).join(', ')}`);
}
