/**
 * @file The DINOv2 "hash weights": a deterministic fill of a DINOv2 state dict that the reference
 * features in fixtures/dinov2 were made with (scripts/make-dinov2-fixtures.py), reproduced here bit for
 * bit (checked against the SHA-256 of every tensor in fixtures/dinov2/<model>/state_dict_keys.tsv).
 *
 * Formula (the mixer of ../hash-fill.ts, shared with the other extractors), per key K and flat C-order index i:
 * h = FNV-1a-32(UTF-8 K); x = h ^ (i·2654435761 mod 2³²); murmur3 fmix32; u = x / 2³²;
 * value = offset + scale·(2u − 1), one float64 expression rounded once to float32, with (offset, scale):
 *   rank ≥ 2 `*.weight` (Linear, patch Conv): (0, √(3 / fan_in)), fan_in = ∏ shape[1:] — unit-variance outputs;
 *   rank-1 `*.weight` (LayerNorm γ): (1, 0.1);  `*.bias`: (0, 0.05);  `*.gamma` (LayerScale): (0.1, 0.05);
 *   `pos_embed`: (0, 0.1);  `cls_token`, `mask_token`: (0, 0.02).
 * With these the CLS features of different images are far apart and not constant
 * (fixtures/dinov2/expected.json → models.<name>.non_degeneracy_dgm_eval).
 *
 * Tensors are generated when their `data` is read and never kept, so building a graph from
 * {@link hashDinov2StateDict} holds one tensor at a time (ViT-g/14's largest is 50 MB).
 */

import { InputError } from '../../core/errors.js';
import type { StateDict, Tensor } from '../../core/types.js';
import { hashUniform } from '../hash-fill.js';
import type { Dinov2Arch } from './arch.js';
import { dinov2StateDictSpec } from './state-dict.js';

/** The (offset, scale) of a key's rule. @throws {InputError} for a key without a rule */
export function dinov2HashRule(key: string, shape: readonly number[]): { offset: number; scale: number } {
  const last = key.slice(key.lastIndexOf('.') + 1);
  if (last === 'weight' && shape.length >= 2) {
    let fanIn = 1;
    for (let d = 1; d < shape.length; d++) fanIn *= shape[d];
    return { offset: 0, scale: Math.sqrt(3 / fanIn) };
  }
  if (last === 'weight' && shape.length === 1) return { offset: 1, scale: 0.1 };
  if (last === 'bias') return { offset: 0, scale: 0.05 };
  if (last === 'gamma') return { offset: 0.1, scale: 0.05 };
  if (key === 'pos_embed') return { offset: 0, scale: 0.1 };
  if (key === 'cls_token' || key === 'mask_token') return { offset: 0, scale: 0.02 };
  throw new InputError(`DINOv2 hash weights: no rule for key "${key}" of shape [${shape.join(', ')}]`);
}

/** The float32 values of one hash-weight tensor. @throws {InputError} as {@link dinov2HashRule} */
export function dinov2HashValues(key: string, shape: readonly number[]): Float32Array {
  const { offset, scale } = dinov2HashRule(key, shape);
  return hashUniform(key, shape.reduce((a, b) => a * b, 1), scale, offset);
}

/** The hash-weight state dict of `arch`, in `state_dict()` order; each tensor's `data` is generated on every read. */
export function hashDinov2StateDict(arch: Dinov2Arch): StateDict {
  const sd: StateDict = new Map();
  for (const { key, shape } of dinov2StateDictSpec(arch)) {
    const tensor: Tensor = {
      dtype: 'float32',
      shape,
      get data() {
        return dinov2HashValues(key, shape);
      },
    };
    sd.set(key, tensor);
  }
  return sd;
}
