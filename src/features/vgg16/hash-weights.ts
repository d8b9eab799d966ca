/**
 * @file The VGG16 "hash weights": a deterministic fill of torchvision's VGG16 state dict that the
 * reference features in fixtures/vgg16 were made with (scripts/make-vgg16-fixtures.py), reproduced
 * here bit for bit (checked against the SHA-256 of all 32 tensors in fixtures/vgg16/state_dict_keys.tsv),
 * so tests run the real network code path without the real 528 MB weights.
 *
 * Formula (the mixer of ../hash-fill.ts, shared with the other extractors), per key K and flat
 * C-order index i: h = FNV-1a-32(UTF-8 K); x = h ^ (i·2654435761 mod 2³²); murmur3 fmix32; u = x / 2³²;
 *   `*.weight` (conv [O, I, 3, 3] and linear [O, I]): (2u − 1)·√(6 / fan_in), fan_in = I·(3·3 for convs) — He uniform;
 *   `*.bias`: (2u − 1)·0.1.
 * Each value is one float64 expression rounded once to float32. With these weights about half of the
 * fc2 units are positive for each fixture image and the features of different images are far apart
 * (fixtures/vgg16/expected.json → non_degeneracy), so no extra scaling is applied.
 *
 * Tensors are generated when their `data` is read and never kept: building the graph from
 * {@link hashVgg16StateDict} holds one tensor at a time (the largest, classifier.0.weight, is 411 MB).
 */

import { InputError } from '../../core/errors.js';
import type { StateDict, Tensor } from '../../core/types.js';
import { hashUniform } from '../hash-fill.js';
import { VGG16_STATE_DICT_SPEC } from './state-dict.js';

/** The scale s of a key's rule value (2u − 1)·s. @throws {InputError} for a key without a rule */
export function vgg16HashScale(key: string, shape: readonly number[]): number {
  if (key.endsWith('.weight') && shape.length >= 2) {
    let fanIn = 1;
    for (let d = 1; d < shape.length; d++) fanIn *= shape[d];
    return Math.sqrt(6 / fanIn);
  }
  if (key.endsWith('.bias') && shape.length === 1) return 0.1;
  throw new InputError(`VGG16 hash weights: no rule for key "${key}" of shape [${shape.join(', ')}]`);
}

/**
 * The float32 values of one hash-weight tensor.
 * @throws {InputError} as {@link vgg16HashScale}
 */
export function vgg16HashValues(key: string, shape: readonly number[]): Float32Array {
  return hashUniform(key, shape.reduce((a, b) => a * b, 1), vgg16HashScale(key, shape));
}

/**
 * The hash-weight state dict of torchvision's VGG16, 32 float32 tensors in `state_dict()` order. Each
 * tensor's `data` is generated on every read (not cached), so the dict itself costs nothing.
 */
export function hashVgg16StateDict(): StateDict {
  const sd: StateDict = new Map();
  for (const { key, shape } of VGG16_STATE_DICT_SPEC) {
    const tensor: Tensor = {
      dtype: 'float32',
      shape,
      get data() {
        return vgg16HashValues(key, shape);
      },
    };
    sd.set(key, tensor);
  }
  return sd;
}
