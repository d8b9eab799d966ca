/**
 * @file Where the FID Inception weights come from: `--weights PATH` wins, else the download cache,
 * else pytorch-fid's release file, downloaded once and verified (SHA-256
 * `6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2`; torch-hub convention: the
 * `6726825d` in the name is the hash prefix). torch-fidelity re-hosts the same bytes; it is tried second.
 *
 * A user-given file is hashed too. A different hash is reported, not refused (a retrained or
 * converted network, or the test-only hash weights, are legitimate), because scores from other weights
 * are not comparable with published FIDs; `verify: 'strict'` refuses it. The hash also keys the caches
 * of the built `.onnx` graph and of statistics.
 */

import { optionName, optionRef } from '../../options/mention.js';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FidkitError } from '../../errors.js';
import { cachedFile, resolveCacheDir, sha256File, type CacheOptions, type RemoteFile } from '../../io/cache.js';

/** pytorch-fid's FID Inception weights (the TF `inception-2015-12-05` graph ported to PyTorch). */
export const INCEPTION_WEIGHTS: RemoteFile = Object.freeze({
  name: 'pt_inception-2015-12-05-6726825d.pth',
  urls: Object.freeze([
    'https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth',
    'https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/weights-inception-2015-12-05-6726825d.pth',
  ]),
  sha256: '6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2',
});

/** Options of {@link resolveInceptionWeights}. */
export interface WeightsOptions extends CacheOptions {
  /** A local `.pth` (`--weights PATH`); when set, the cache and the network are not used. */
  readonly weights?: string;
  /** `'report'` (default): a non-official local file is used and flagged; `'strict'`: it is refused. */
  readonly verify?: 'report' | 'strict';
}

/** The weights file to load, and whether it is the official one. */
export interface ResolvedWeights {
  readonly path: string;
  /** SHA-256 of the file, lower-case hex. */
  readonly sha256: string;
  /** True when `sha256` is pytorch-fid's published hash. */
  readonly official: boolean;
  /** `user`: `--weights`; `cache`: already downloaded; `download`: fetched by this call. */
  readonly source: 'user' | 'cache' | 'download';
  /** For the CLI to print on stderr when the weights are not the official file. */
  readonly warning?: string;
}

/**
 * Find the Inception weights: `weights` if given (hashed and checked), else the cached official file,
 * else download it (progress through `onProgress`).
 *
 * @example
 * const w = await resolveInceptionWeights({ weights: opts.weights, offline: opts.offline });
 * if (w.warning) stderr.write(`warning: ${w.warning}\n`);
 * @throws {FidkitError} `E_NOT_FOUND` when `weights` does not exist; `E_WEIGHTS` when it is not the
 *   official file under `verify: 'strict'`, or when the official file is neither cached nor
 *   downloadable (offline, network, hash mismatch: see {@link cachedFile}).
 */
export async function resolveInceptionWeights(options: WeightsOptions = {}): Promise<ResolvedWeights> {
  const expected = INCEPTION_WEIGHTS.sha256;
  if (options.weights !== undefined) {
    const path = options.weights;
    const info = await stat(path).catch(() => undefined);
    if (!info) {
      throw new FidkitError(
        'E_NOT_FOUND',
        `weights not found at ${path}: check ${optionRef('weights')}, or drop ${optionName('weights')} to download the official file from ${INCEPTION_WEIGHTS.urls[0]}`,
      );
    }
    if (!info.isFile()) throw new FidkitError('E_WEIGHTS', `${optionRef('weights', path)} is not a file: pass the .pth file itself`);
    const sha256 = await sha256File(path);
    const official = sha256 === expected;
    if (official) return { path, sha256, official, source: 'user' };
    const what = `${path} is not pytorch-fid's Inception weights file (SHA-256 ${sha256}, expected ${expected})`;
    if (options.verify === 'strict') {
      throw new FidkitError(
        'E_WEIGHTS',
        `${what}: pass the official file (${INCEPTION_WEIGHTS.urls[0]}), or drop strict verification to use these weights anyway`,
      );
    }
    return {
      path,
      sha256,
      official,
      source: 'user',
      warning: `${what}: scores are not comparable with published FIDs`,
    };
  }
  const dest = join(resolveCacheDir(options), INCEPTION_WEIGHTS.name);
  const before = await stat(dest).catch(() => undefined);
  const path = await cachedFile(INCEPTION_WEIGHTS, { ...options, localFileHint: options.localFileHint ?? `pass ${optionRef('weights')}` });
  return { path, sha256: expected, official: true, source: before?.isFile() ? 'cache' : 'download' };
}
