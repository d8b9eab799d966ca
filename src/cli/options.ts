/**
 * @file Option parsers shared by the commands: each turns a flag's text into a typed value or
 * rejects it with commander's InvalidArgumentError (exit 2), naming the accepted form — the
 * sharp-style "Expected positive integer for --batch-size but received '1.5'".
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { ONNX_SPEC_OPTION_KEYS, type OnnxSpecOptions } from '../features/onnx/index.js';
import { extractorSpecs } from '../features/registry.js'; // also fills the extractor choices of the schema
import { O, type OptionSpec } from '../options/schema.js';
import { optionFor, optionsFor, perExtractorValues } from './flags.js';
import type { FolderOptions } from '../inputs.js';
import { IMAGE_EXTENSIONS } from '../io/folder.js';

/** Parser for an integer ≥ `min`. */
export function integerAtLeast(flag: string, min: number): (text: string) => number {
  return (text) => {
    const v = Number(text);
    if (!Number.isSafeInteger(v) || v < min) {
      throw new InvalidArgumentError(`Expected an integer ≥ ${min} for ${flag} but received '${text}'.`);
    }
    return v;
  };
}

/** Parser for a number > `min` (`strict`) or ≥ `min`. */
export function numberAbove(flag: string, min: number, strict: boolean): (text: string) => number {
  return (text) => {
    const v = Number(text);
    if (text.trim() === '' || !Number.isFinite(v) || (strict ? v <= min : v < min)) {
      throw new InvalidArgumentError(`Expected a number ${strict ? '>' : '≥'} ${min} for ${flag} but received '${text}'.`);
    }
    return v;
  };
}

/** Parser for one value of a fixed list. */
export function oneOf<T extends string>(flag: string, allowed: readonly T[]): (text: string) => T {
  return (text) => {
    if (!(allowed as readonly string[]).includes(text)) {
      throw new InvalidArgumentError(`Unknown ${flag} '${text}'; valid values: ${allowed.join(', ')}.`);
    }
    return text as T;
  };
}

/** Parser for a comma-separated list of values from a fixed list (duplicates removed, order kept). */
export function listOf<T extends string>(flag: string, allowed: readonly T[]): (text: string) => T[] {
  const one = oneOf(flag, allowed);
  return (text) => [...new Set(text.split(',').map((s) => one(s.trim().toLowerCase())))];
}

/**
 * Parser for `--ext png,jpg,…`: extensions of the files to read, any case, with or without the dot.
 * Only extensions fidkit decodes are accepted, so a typo fails here rather than as "0 images".
 */
export function extensionList(text: string): string[] {
  const list = [...new Set(text.split(',').map((s) => s.trim().replace(/^\./, '').toLowerCase()).filter((s) => s.length > 0))];
  if (list.length === 0) throw new InvalidArgumentError(`Expected a comma-separated list of extensions for --ext (e.g. png,jpg) but received '${text}'.`);
  const unknown = list.filter((e) => !(IMAGE_EXTENSIONS as readonly string[]).includes(e));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(`Unsupported --ext ${unknown.map((e) => `'${e}'`).join(', ')}; fidkit reads ${IMAGE_EXTENSIONS.join(', ')}.`);
  }
  return list;
}

/** The flags every command takes. */
export interface CommonFlags {
  quiet?: boolean;
}

/**
 * Add the flags every command takes (one definition, applied to each command by `createCli`).
 * `--quiet` silences progress, notes and warnings on stderr; errors are still printed.
 */
export function addCommonOptions(cmd: Command): Command {
  return cmd.option('-q, --quiet', 'no progress or warnings on stderr (errors are still printed)');
}

/** The flags of every command that reads image folders. */
export interface FolderFlags extends OnnxSpecOptions {
  protocol?: string;
  extractor?: string;
  weights?: string;
  batchSize?: number;
  skipBad?: boolean;
  recursive?: boolean;
  ext?: string[];
  offline?: boolean;
  cacheDir?: string;
  cache: boolean;
  cacheStrict?: boolean;
  cacheMax: number;
}

/** Add the image-folder flags (one definition for score, stats, features and sweep). */
export function addFolderOptions(cmd: Command): Command {
  // Extractor, protocol, weights and batch size come from the options schema and the extractor table.
  const onnx = [O.onnxSize, O.onnxResize, O.onnxResizeTo, O.onnxRange, O.onnxMean, O.onnxStd, O.onnxChannels, O.onnxLayout, O.onnxOutput, O.onnxLogits];
  for (const spec of [O.protocol, O.extractor, O.weights, O.extractorWeights, ...onnx, O.batchSize] as OptionSpec[]) for (const o of optionsFor(spec)) cmd.addOption(o);
  return cmd
    .addHelpText('after', () => `\nExtractors (--extractor; \`fidkit extractors\` shows layers, protocols and weights):\n${extractorSpecs().map((e) => `  ${(e.argument ? `${e.name}:${e.argument}` : e.name).padEnd(18)} ${e.description}`).join('\n')}\n`)
    .option('--skip-bad', 'skip unreadable images (and report how many) instead of stopping at the first')
    .option('--recursive', 'also read images in subfolders')
    .addOption(new Option('--ext <list>', `comma-separated extensions of the files to read, any case (default: ${IMAGE_EXTENSIONS.join(',')})`).argParser(extensionList))
    .option('--offline', 'never download (also FIDKIT_OFFLINE=1); fails with the URL and cache path if the weights are missing')
    .option('--cache-dir <dir>', 'cache folder (default $FIDKIT_CACHE, else $XDG_CACHE_HOME/fidkit, else ~/.cache/fidkit)')
    .option('--no-cache', 'neither reuse nor store extracted features')
    .addOption(optionFor(O.cacheMax))
    .option(
      '--cache-strict',
      'key the feature cache on file contents (SHA-256) instead of sizes and modification times; the default key notices added, removed or renamed files and changed sizes or times, but not an image replaced by one of the same size with its time restored (rsync -t, cp -p, tar)',
    );
}

/** The API options behind {@link addFolderOptions}'s flags. */
export function folderOptions(flags: FolderFlags): FolderOptions {
  return {
    protocol: flags.protocol,
    extractor: flags.extractor,
    weights: flags.weights,
    // --weights-<name>: one attribute per extractor (weightsInception, weightsMnist, …).
    extractorWeights: perExtractorValues(O.extractorWeights, flags as unknown as Record<string, unknown>),
    batchSize: flags.batchSize,
    skipBad: flags.skipBad,
    recursive: flags.recursive,
    extensions: flags.ext,
    offline: flags.offline,
    cacheDir: flags.cacheDir,
    cache: flags.cache,
    cacheStrict: flags.cacheStrict,
    ...Object.fromEntries(ONNX_SPEC_OPTION_KEYS.map((k) => [k, flags[k]])),
    cacheMax: flags.cacheMax,
  };
}
