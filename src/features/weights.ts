/**
 * @file Where an extractor's downloadable weights come from, for every extractor of the table:
 * the user's file (`--weights PATH` for the main extractor, `--weights-<name> PATH` for any) wins,
 * else the download cache, else the official file, downloaded once into the cache, checked for
 * size and SHA-256 and renamed into place atomically (io/cache.ts). `--offline` never downloads;
 * its error names the URL, the cache path and the flag.
 *
 * A user-given file is hashed too (once: the hash is remembered in the cache under the file's path,
 * size, mtime and inode, `io/file-hash-cache.ts`). A different hash is reported, not refused (a retrained or
 * converted network is legitimate), because its scores are not comparable with published ones;
 * `verify: 'strict'` refuses it. The hash keys the caches of built graphs and of features.
 *
 * Files whose publisher gives only a hash prefix (torchvision's `vgg16-397923af.pth`: torch hub's
 * file-name convention) are checked against that prefix; the full hash of the cached file is then
 * computed once and kept beside it (`<name>.sha256`, with the size and modification time it belongs to).
 * Files with no published hash at all (`sha256: ''`, DINOv2's) get the same sidecar, unchecked, and a
 * user's file of that extractor is reported with `official: null` (fidkit cannot tell).
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FidkitError } from '../core/errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { cachedFile, expectedSha256, resolveCacheDir, sha256File, sha256Matches, type CacheOptions, type RemoteFile } from '../io/cache.js';
import { sha256FileRemembered } from '../io/file-hash-cache.js';
import { optionName, optionRef, perExtractorName, perExtractorRef } from '../options/mention.js';

/** Options of {@link resolveWeights}. */
export interface WeightsOptions extends CacheOptions {
  /** A local file (`--weights PATH`); when set, the cache and the network are not used. */
  readonly weights?: string;
  /** `'report'` (default): a non-official local file is used and flagged; `'strict'`: it is refused. */
  readonly verify?: 'report' | 'strict';
  /** Set when the file came from the per-extractor option of this extractor (`--weights-<name>`), which messages then name; default: the weights option. */
  readonly perExtractor?: string;
  /** `false` (`--no-cache`): hash a user's weights file every time instead of remembering its hash. */
  readonly cache?: boolean;
}

/** The weights file to load, and whether it is the official one. */
export interface ResolvedWeights {
  readonly path: string;
  /** SHA-256 of the file, lower-case hex. */
  readonly sha256: string;
  /** True when `sha256` is the official file's; null for a user's file when no official hash is published (`RemoteFile.sha256 === ''`). */
  readonly official: boolean | null;
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
    // Hashed once per file identity (path, size, mtime, inode): later runs only stat it.
    const sha256 = await sha256FileRemembered(path, options);
    // No published hash: the file cannot be told from another; its hash is reported with the scores.
    if (expected === '') return { path, sha256, official: null, source: 'user' };
    const official = sha256Matches(sha256, expected);
    if (official) return { path, sha256, official, source: 'user' };
    const not = `${path} is not ${what} (SHA-256 ${sha256}, expected ${expectedSha256(expected)})`;
    if (options.verify === 'strict') {
      throw new FidkitError('E_WEIGHTS', `${not}: pass the official file (${file.urls[0]}), or drop strict verification to use these weights anyway`);
    }
    return { path, sha256, official, source: 'user', warning: `${not}: scores are not comparable with ${comparable}` };
  }
  const dest = join(resolveCacheDir(options), file.name);
  const before = await stat(dest).catch(() => undefined);
  const path = await cachedFile(file, { ...options, localFileHint: options.localFileHint ?? `pass ${ref}` });
  const sha256 = expected.length === 64 ? expected : await rememberedSha256(path, file, ref);
  return { path, sha256, official: true, source: before?.isFile() ? 'cache' : 'download' };
}

/**
 * The full SHA-256 of a cached file known only by a hash prefix: from its `.sha256` sidecar when that
 * was written for the file's current size and modification time, else computed (and the prefix checked)
 * and the sidecar written (a read-only cache only costs hashing again next time).
 * @param ref how messages name the option that gives a local file instead (`--weights-vgg16 PATH`).
 * @throws {FidkitError} `E_WEIGHTS` when the cached file does not start with the published prefix.
 */
async function rememberedSha256(path: string, file: RemoteFile, ref: string): Promise<string> {
  const info = await stat(path);
  const sidecar = `${path}.sha256`;
  const stamp = `${info.size} ${Math.round(info.mtimeMs)}`;
  const memo = (await readFile(sidecar, 'utf8').catch(() => '')).trim().split(/\s+/);
  if (memo.length === 3 && /^[0-9a-f]{64}$/.test(memo[0]) && `${memo[1]} ${memo[2]}` === stamp) return memo[0];
  const sha256 = await sha256File(path);
  if (file.sha256 !== '' && !sha256Matches(sha256, file.sha256)) {
    throw new FidkitError(
      'E_WEIGHTS',
      `the cached ${path} is not the official ${file.name} (SHA-256 ${sha256}, expected ${expectedSha256(file.sha256)}): delete it to download it again, or pass ${ref}`,
    );
  }
  await writeFileAtomic(sidecar, `${sha256} ${stamp}\n`).catch(() => undefined);
  return sha256;
}
