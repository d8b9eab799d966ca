/**
 * @file Where an extractor's downloadable weights come from, for every extractor of the table:
 * the user's file (`--weights PATH` for the main extractor, `--weights-<name> PATH` for any) wins,
 * else the download cache, else the official file, downloaded once into the cache, checked for
 * size and SHA-256 and renamed into place atomically (io/cache.ts). `--offline` never downloads;
 * its error names the URL, the cache path and the flag.
 *
 * A user-given file is hashed too. A different hash is reported, not refused (a retrained or
 * converted network is legitimate), because its scores are not comparable with published ones;
 * `verify: 'strict'` refuses it. The hash keys the caches of built graphs and of features.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FidkitError } from '../errors.js';
import { cachedFile, resolveCacheDir, sha256File, type CacheOptions, type RemoteFile } from '../io/cache.js';
import { optionName, optionRef, perExtractorName, perExtractorRef } from '../options/mention.js';

/** Options of {@link resolveWeights}. */
export interface WeightsOptions extends CacheOptions {
  /** A local file (`--weights PATH`); when set, the cache and the network are not used. */
  readonly weights?: string;
  /** `'report'` (default): a non-official local file is used and flagged; `'strict'`: it is refused. */
  readonly verify?: 'report' | 'strict';
  /** Set when the file came from the per-extractor option of this extractor (`--weights-<name>`), which messages then name; default: the weights option. */
  readonly perExtractor?: string;
}

/** The weights file to load, and whether it is the official one. */
export interface ResolvedWeights {
  readonly path: string;
  /** SHA-256 of the file, lower-case hex. */
  readonly sha256: string;
  /** True when `sha256` is the official file's. */
  readonly official: boolean;
  /** `user`: `--weights`; `cache`: already downloaded; `download`: fetched by this call. */
  readonly source: 'user' | 'cache' | 'download';
  /** For the CLI to print on stderr when the weights are not the official file. */
  readonly warning?: string;
}

/**
 * Find the weights `file`: `options.weights` if given (hashed and checked), else the cached official
 * file, else download it (progress through `onProgress`).
 *
 * @param what names the official file in messages, e.g. "pytorch-fid's Inception weights file"
 * @param comparable what scores from other weights cannot be compared with, e.g. "published FIDs"
 * @example
 * const w = await resolveWeights(VGG16_WEIGHTS, "torchvision's VGG16 weights file", 'published precision/recall', { weights, offline, perExtractor: 'vgg16' });
 * @throws {FidkitError} `E_NOT_FOUND` when `weights` does not exist; `E_WEIGHTS` when it is not a file,
 *   not the official file under `verify: 'strict'`, or when the official file is neither cached nor
 *   downloadable (offline, network, hash mismatch: see {@link cachedFile}).
 */
export async function resolveWeights(file: RemoteFile, what: string, comparable: string, options: WeightsOptions = {}): Promise<ResolvedWeights> {
  const expected = file.sha256;
  const ref = options.perExtractor === undefined ? optionRef('weights') : perExtractorRef('extractorWeights', options.perExtractor);
  const name = options.perExtractor === undefined ? optionName('weights') : perExtractorName('extractorWeights', options.perExtractor);
  if (options.weights !== undefined) {
    const path = options.weights;
    const info = await stat(path).catch(() => undefined);
    if (!info) {
      throw new FidkitError('E_NOT_FOUND', `weights not found at ${path}: check ${ref}, or drop ${name} to download the official file from ${file.urls[0]}`);
    }
    if (!info.isFile()) throw new FidkitError('E_WEIGHTS', `${options.perExtractor === undefined ? optionRef('weights', path) : perExtractorRef('extractorWeights', options.perExtractor, path)} is not a file: pass the weights file itself`);
    const sha256 = await sha256File(path);
    const official = sha256 === expected;
    if (official) return { path, sha256, official, source: 'user' };
    const not = `${path} is not ${what} (SHA-256 ${sha256}, expected ${expected})`;
    if (options.verify === 'strict') {
      throw new FidkitError('E_WEIGHTS', `${not}: pass the official file (${file.urls[0]}), or drop strict verification to use these weights anyway`);
    }
    return { path, sha256, official, source: 'user', warning: `${not}: scores are not comparable with ${comparable}` };
  }
  const dest = join(resolveCacheDir(options), file.name);
  const before = await stat(dest).catch(() => undefined);
  const path = await cachedFile(file, { ...options, localFileHint: options.localFileHint ?? `pass ${ref}` });
  return { path, sha256: expected, official: true, source: before?.isFile() ? 'cache' : 'download' };
}
