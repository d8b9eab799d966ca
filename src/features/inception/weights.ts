/**
 * @file Where the FID Inception weights come from: `--weights PATH` wins, else the download cache,
 * else pytorch-fid's release file, downloaded once and verified (SHA-256
 * `6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2`; torch-hub convention: the
 * `6726825d` in the name is the hash prefix). torch-fidelity re-hosts the same bytes; it is tried second.
 *
 * A user-given file is hashed too (once: the hash is remembered in the cache under the file's path,
 * size, mtime and inode, `io/file-hash-cache.ts`). A different hash is reported, not refused (a retrained or
 * converted network, or the test-only hash weights, are legitimate), because scores from other weights
 * are not comparable with published FIDs; `verify: 'strict'` refuses it. The hash also keys the caches
 * of the built `.onnx` graph and of statistics.
 */

import type { RemoteFile } from '../../io/cache.js';
import { resolveWeights, type ResolvedWeights, type WeightsOptions } from '../weights.js';

/** pytorch-fid's FID Inception weights (the TF `inception-2015-12-05` graph ported to PyTorch). */
export const INCEPTION_WEIGHTS: RemoteFile = Object.freeze({
  name: 'pt_inception-2015-12-05-6726825d.pth',
  urls: Object.freeze([
    'https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth',
    'https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/weights-inception-2015-12-05-6726825d.pth',
  ]),
  sha256: '6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2',
});

export type { ResolvedWeights, WeightsOptions } from '../weights.js';

/**
 * Find the Inception weights: `weights` if given (hashed and checked), else the cached official file,
 * else download it (progress through `onProgress`).
 *
 * @example
 * const w = await resolveInceptionWeights({ weights: opts.weights, offline: opts.offline });
 * if (w.warning) stderr.write(`warning: ${w.warning}\n`);
 * @throws {FidkitError} as {@link resolveWeights}
 */
export function resolveInceptionWeights(options: WeightsOptions = {}): Promise<ResolvedWeights> {
  return resolveWeights(INCEPTION_WEIGHTS, "pytorch-fid's Inception weights file", 'published FIDs', options);
}
