/**
 * @file Where the DINOv2 weights come from (features/weights.ts does the work): `--weights PATH` /
 * `--weights-<name> PATH` win, else the download cache, else Meta's file, downloaded once:
 * `https://dl.fbaipublicfiles.com/dinov2/dinov2_vit{s,b,l,g}14/dinov2_vit{s,b,l,g}14_pretrain.pth`, what
 * `torch.hub.load("facebookresearch/dinov2", "dinov2_vit*14")` loads for torch-fidelity, dgm-eval and EDM2.
 *
 * No SHA-256 or size of these files is published (not in the dinov2 repository, whose hub code loads
 * them with `torch.hub.load_state_dict_from_url` and its default `check_hash=False`, nor anywhere we could search), so the download is checked only against
 * its announced length, its hash is computed once and kept beside it, and it keys the built graph and
 * is reported with the features; a user's file is reported with that hash (`official: null`), and is
 * checked structurally (state-dict.ts: every key and shape) before anything is built.
 */

import type { RemoteFile } from '../../io/cache.js';
import { resolveWeights, type ResolvedWeights, type WeightsOptions } from '../weights.js';
import type { Dinov2Arch } from './arch.js';

/** The official pretrain file of `arch`. */
export function dinov2WeightsFile(arch: Dinov2Arch): RemoteFile {
  return Object.freeze({
    name: `${arch.hub}_pretrain.pth`,
    urls: Object.freeze([`https://dl.fbaipublicfiles.com/dinov2/${arch.hub}/${arch.hub}_pretrain.pth`]),
    // None is published: see the file comment.
    sha256: '',
  });
}

/**
 * Find the weights of `arch`: the user's file if given, else the cached file, else download it.
 * @throws {FidkitError} as `resolveWeights`: `E_NOT_FOUND` for a missing file, `E_WEIGHTS` offline with an
 *   empty cache (naming the URL, the cache path and the flag) or on a failed download.
 */
export function resolveDinov2Weights(arch: Dinov2Arch, options: WeightsOptions = {}): Promise<ResolvedWeights> {
  return resolveWeights(dinov2WeightsFile(arch), `Meta's ${arch.hub}_pretrain.pth`, 'published FD_DINOv2 numbers', options);
}
