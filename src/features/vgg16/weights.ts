/**
 * @file Where the VGG16 weights come from (features/weights.ts does the work): `--weights PATH` /
 * `--weights-vgg16 PATH` win, else the download cache, else torchvision's file, downloaded once:
 * `vgg16-397923af.pth` (`VGG16_Weights.IMAGENET1K_V1`, 528 MB), what torch-fidelity 0.4 loads through
 * `torchvision.models.vgg16(weights=…)`.
 *
 * torchvision publishes only the first 8 hex digits of its SHA-256 (torch hub's file-name convention;
 * `torch.hub` checks nothing more, and no source we could find states the full hash), so the download
 * is verified against that prefix, and the full hash of the cached file is computed once and kept
 * beside it: it keys the cache of the built graph and is reported with the features.
 */

import type { RemoteFile } from '../../io/cache.js';
import { resolveWeights, type ResolvedWeights, type WeightsOptions } from '../weights.js';

/** torchvision's ImageNet VGG16 weights, as `torchvision.models.VGG16_Weights.IMAGENET1K_V1` downloads them. */
export const VGG16_WEIGHTS: RemoteFile = Object.freeze({
  name: 'vgg16-397923af.pth',
  urls: Object.freeze(['https://download.pytorch.org/models/vgg16-397923af.pth']),
  // Only this prefix is published (the file name); see the file comment.
  sha256: '397923af',
});

/**
 * Find the VGG16 weights: the user's file if given (hashed; another file is reported, not refused),
 * else the cached file, else download it.
 * @throws {FidkitError} as `resolveWeights`: `E_NOT_FOUND` for a missing file, `E_WEIGHTS` offline with
 *   an empty cache (naming the URL, the cache path and the flag), on a failed or mismatching download.
 */
export function resolveVgg16Weights(options: WeightsOptions = {}): Promise<ResolvedWeights> {
  return resolveWeights(VGG16_WEIGHTS, "torchvision's VGG16 weights file (vgg16-397923af.pth)", "torch-fidelity's precision/recall", options);
}
