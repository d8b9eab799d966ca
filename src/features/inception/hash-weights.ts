/**
 * @file The "hash weights": a deterministic, synthetic fill of the FID InceptionV3 state dict that the
 * reference fixtures were generated with (fixtures/REFERENCE.md §1). Reproduces the Python generator
 * bit for bit (checked against the SHA-256 of all 566 tensors), so the test suite can run the real network
 * code path without the real, unshippable weights.
 *
 * Formula, per key K and flat C-order index i:
 *   h = FNV-1a-32(UTF-8 K);  x = h ^ (i·2654435761 mod 2³²);  then the murmur3 fmix32 finaliser
 *   (x ^= x>>>16; x *= 0x85EBCA6B; x ^= x>>>13; x *= 0xC2B2AE35; x ^= x>>>16);  u = x / 2³² ∈ [0, 1).
 *   conv.weight: (2u−1)·√(6/fan_in);  fc.weight: (2u−1)·√(6/2048);  bn.weight, bn.running_var: 0.5+u;
 *   bn.bias, bn.running_mean, fc.bias: (2u−1)·0.1;  bn.num_batches_tracked: int64 0 (0-d).
 * Each value is one float64 expression rounded once to float32, so agreement is exact. The mixer and the
 * fill are ../hash-fill.ts's; 0.5 + u is its 1 + 0.5·(2u−1), the same float64 (every step is exact).
 */

import { InputError } from '../../core/errors.js';
import type { StateDict, Tensor } from '../../core/types.js';
import { fnv1a32, hashUniform, hashUniformValue } from '../hash-fill.js';
import { INCEPTION_STATE_DICT_SPEC } from './state-dict.js';

/** A key's rule: offset + scale·(2u−1) (../hash-fill.ts), or the int64 zero of `num_batches_tracked`. */
type Rule = { kind: 'uniform'; offset: number; scale: number } | { kind: 'zero' };

function ruleFor(key: string, shape: readonly number[]): Rule {
  if (key.endsWith('.num_batches_tracked')) return { kind: 'zero' };
  if (key.endsWith('.conv.weight') || key === 'fc.weight') {
    if (shape.length < 2) throw new InputError(`hash weights: ${key} needs a shape of rank ≥ 2, got [${shape.join(', ')}]`);
    let fanIn = 1;
    for (let d = 1; d < shape.length; d++) fanIn *= shape[d];
    return { kind: 'uniform', offset: 0, scale: Math.sqrt(6 / fanIn) };
  }
  if (key.endsWith('.bn.weight') || key.endsWith('.bn.running_var')) return { kind: 'uniform', offset: 1, scale: 0.5 }; // 0.5 + u
  if (key.endsWith('.bn.bias') || key.endsWith('.bn.running_mean') || key === 'fc.bias') {
    return { kind: 'uniform', offset: 0, scale: 0.1 };
  }
  throw new InputError(`hash weights: no rule for key "${key}" (only FID InceptionV3 conv/bn/fc keys have one)`);
}

/**
 * The hash-weight value of element `index` (flat, C order) of state-dict entry `key` with shape `shape`,
 * already rounded to float32 (returned as the float64 holding that float32).
 * @throws InputError for a key that is not a conv/bn/fc entry of the FID InceptionV3.
 */
export function hashWeightValue(key: string, index: number, shape: readonly number[]): number {
  const rule = ruleFor(key, shape);
  return rule.kind === 'zero' ? 0 : Math.fround(hashUniformValue(fnv1a32(key), index, rule.scale, rule.offset));
}

/**
 * Fill a float32 tensor of the given key and shape with hash weights.
 * @throws InputError as {@link hashWeightValue}.
 */
export function hashWeightTensor(key: string, shape: readonly number[]): Tensor {
  const rule = ruleFor(key, shape);
  if (rule.kind === 'zero') return { dtype: 'int64', shape: [...shape], data: new BigInt64Array(1) };
  const data = hashUniform(key, shape.reduce((a, b) => a * b, 1), rule.scale, rule.offset);
  return { dtype: 'float32', shape: [...shape], data };
}

/**
 * The complete hash-weight state dict of the FID InceptionV3: 566 entries in `model.state_dict()` order,
 * float32 in C order, `num_batches_tracked` as 0-d int64 zeros. About 96 MB; builds in ≈ 0.1 s.
 */
export function hashInceptionStateDict(): StateDict {
  const sd: StateDict = new Map();
  for (const e of INCEPTION_STATE_DICT_SPEC) sd.set(e.key, hashWeightTensor(e.key, e.shape));
  return sd;
}
