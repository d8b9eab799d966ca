/**
 * @file The README's option tables, generated from the options schema: each command's table sits
 * between `<!-- options:<command> -->` and `<!-- /options:<command> -->`. `npm run docs:options`
 * rewrites them; test/options/readme-tables.test.ts fails when the README and the schema differ.
 * Dev-only: not part of dist.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defaultText, helpText } from '../src/cli/flags.js';
import { optionsOf, type CommandName } from '../src/options/schema.js';

const escape = (s: string) => s.replace(/\|/g, '\\|');

/** The markdown table of one command's options. */
export function optionTable(command: CommandName): string {
  const rows = optionsOf(command).map((o) => {
    const shown = defaultText(o);
    const def = o.required ? 'required' : shown === undefined ? (o.flag.startsWith('--no-') ? 'on' : '—') : `\`${shown}\``;
    return `| \`${escape(o.flag)}\` | ${escape(def)} | ${escape(helpText(o))} |`;
  });
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
