/**
 * @file How a message names an option, for whoever reads it. Library callers know option keys
 * (`kidSubsetSize: 2`, `the weights option`); CLI users know flags (`--kid-subset-size 2`,
 * `--weights PATH`). Code that builds an error, warning or note calls {@link optionRef} or
 * {@link optionName} with the option's id in the schema (options/schema.ts), and the words depend
 * on who is calling: the CLI runs each command inside {@link asCliUser}, everything else is a
 * library call. The caller travels with the async context (AsyncLocalStorage), so a library call
 * made by a host program while a CLI command runs in the same process (tests) still reads as a
 * library call.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { O, type OptionId } from './schema.js';

const cliUser = new AsyncLocalStorage<true>();

/** Run `fn` (a CLI command) so that messages created inside it name flags instead of option keys. */
export function asCliUser<T>(fn: () => T): T {
  return cliUser.run(true, fn);
}

/** Whether the code running now was started by the CLI. */
export function calledFromCli(): boolean {
  return cliUser.getStore() === true;
}

/** The long flag of an entry, and its value placeholder in capitals (`--weights`, `PATH`). */
function flagParts(id: OptionId): { flag: string; placeholder?: string; negated: boolean } {
  const spec = O[id];
  const flag = /--[a-z0-9-]+/.exec(spec.flag)![0];
  const placeholder = /<([^>]+)>/.exec(spec.flag)?.[1];
  return { flag, placeholder: placeholder && placeholder.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase(), negated: flag.startsWith('--no-') };
}

const isSwitch = (id: OptionId) => !/[<[]/.test(O[id].flag);

/**
 * How to set an option: `--kid-subset-size 2` / `kidSubsetSize: 2`. Without `value`: a flag with
 * its placeholder (`--weights PATH`) / `the weights option`; switches read `--skip-bad` /
 * `skipBad: true` (and `--no-cache` / `cache: false`).
 *
 * `apiKey` names the option as the function raising the message takes it, where that differs from
 * the schema's key (kernelInceptionDistance's `subsetSize` is score's `kidSubsetSize`).
 *
 * @example `pass ${optionRef('kidSubsetSize', 2)} or more` // CLI: pass --kid-subset-size 2 or more; API: pass kidSubsetSize: 2 or more
 */
export function optionRef(id: OptionId, value?: string | number, apiKey: string = O[id].key): string {
  const { flag, placeholder, negated } = flagParts(id);
  const key = apiKey;
  if (isSwitch(id)) return calledFromCli() ? flag : `${key}: ${!negated}`;
  if (calledFromCli()) return value === undefined ? `${flag}${placeholder ? ` ${placeholder}` : ''}` : `${flag} ${value}`;
  return value === undefined ? `the ${key} option` : `${key}: ${typeof value === 'string' && !/^[A-Z]+$/.test(value) ? `'${value}'` : value}`;
}

/**
 * What an option is called: `--weights` / `the weights option`.
 *
 * @example `drop ${optionName('weights')} to download the official file`
 */
export function optionName(id: OptionId): string {
  return calledFromCli() ? flagParts(id).flag : `the ${O[id].key} option`;
}

/**
 * How to set one extractor's entry of a per-extractor option (`--weights-<extractor> <path>`):
 * `--weights-vgg16 PATH` / `the extractorWeights.vgg16 option`; with `value`, `--weights-vgg16 x.pth`
 * / `extractorWeights: { vgg16: 'x.pth' }`.
 */
export function perExtractorRef(id: OptionId, extractor: string, value?: string): string {
  const spec = O[id];
  if (calledFromCli()) {
    const flag = /--[a-z0-9-]+<extractor>/.exec(spec.flag)![0].replace('<extractor>', extractor);
    const placeholder = /<([^>]+)>\s*$/.exec(spec.flag)?.[1]?.toUpperCase();
    return `${flag} ${value ?? placeholder ?? ''}`.trimEnd();
  }
  return value === undefined ? `the ${spec.key}.${extractor} option` : `${spec.key}: { ${extractor}: '${value}' }`;
}

/** What one extractor's entry of a per-extractor option is called: `--weights-vgg16` / `the extractorWeights.vgg16 option`. */
export function perExtractorName(id: OptionId, extractor: string): string {
  return calledFromCli() ? /--[a-z0-9-]+<extractor>/.exec(O[id].flag)![0].replace('<extractor>', extractor) : `the ${O[id].key}.${extractor} option`;
}
