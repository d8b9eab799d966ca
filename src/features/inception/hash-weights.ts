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
 * Each value is one float64 expression rounded once to float32, so agreement is exact.
 */

import { InputError } from '../../core/errors.js';
import type { StateDict, Tensor } from '../../core/types.js';
import { INCEPTION_STATE_DICT_SPEC } from './state-dict.js';

const TWO_POW_32 = 4294967296;

/** FNV-1a 32-bit hash of the UTF-8 bytes of `key`. */
export function fnv1a32(key: string): number {
  let h = 2166136261;
  for (const b of new TextEncoder().encode(key)) {
    h = Math.imul(h ^ b, 16777619) >>> 0;
  }
  return h >>> 0;
}

/** The mixed 32-bit integer x for key hash `h` and flat index `i` (`Math.imul` keeps the exact low 32 bits). */
export function hashMix(h: number, i: number): number {
  let x = (h ^ Math.imul(i, 2654435761)) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b) >>> 0;
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

/** Which of the spec's expressions turns u into a value; evaluated literally so rounding matches Python's. */
type Rule = { kind: 'scaled'; scale: number } | { kind: 'half-plus-u' } | { kind: 'zero' };

function ruleFor(key: string, shape: readonly number[]): Rule {
  if (key.endsWith('.num_batches_tracked')) return { kind: 'zero' };
  if (key.endsWith('.conv.weight') || key === 'fc.weight') {
    if (shape.length < 2) throw new InputError(`hash weights: ${key} needs a shape of rank ≥ 2, got [${shape.join(', ')}]`);
    let fanIn = 1;
    for (let d = 1; d < shape.length; d++) fanIn *= shape[d];
    return { kind: 'scaled', scale: Math.sqrt(6 / fanIn) };
  }
  if (key.endsWith('.bn.weight') || key.endsWith('.bn.running_var')) return { kind: 'half-plus-u' };
  if (key.endsWith('.bn.bias') || key.endsWith('.bn.running_mean') || key === 'fc.bias') {
    return { kind: 'scaled', scale: 0.1 };
  }
  throw new InputError(`hash weights: no rule for key "${key}" (only FID InceptionV3 conv/bn/fc keys have one)`);
}

/**
 * The hash-weight value of element `index` (flat, C order) of state-dict entry `key` with shape `shape`,
 * already rounded to float32 (returned as the float64 holding that float32).
 * @throws InputError for a key that is not a conv/bn/fc entry of the FID InceptionV3.
 */
export function hashWeightValue(key: string, index: number, shape: readonly number[]): number {
  return valueOf(ruleFor(key, shape), hashMix(fnv1a32(key), index));
}

function valueOf(rule: Rule, x: number): number {
  const u = x / TWO_POW_32;
  switch (rule.kind) {
    case 'zero':
      return 0;
    case 'half-plus-u':
      return Math.fround(0.5 + u);
    case 'scaled':
      return Math.fround((2 * u - 1) * rule.scale);
  }
}

/**
 * Fill a float32 tensor of the given key and shape with hash weights.
 * @throws InputError as {@link hashWeightValue}.
 */
export function hashWeightTensor(key: string, shape: readonly number[]): Tensor {
  const rule = ruleFor(key, shape);
  if (rule.kind === 'zero') return { dtype: 'int64', shape: [...shape], data: new BigInt64Array(1) };
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  const h = fnv1a32(key);
  // Inlined copy of hashMix/valueOf: this loop runs 24M times and the call overhead would double the time.
  if (rule.kind === 'half-plus-u') {
    for (let i = 0; i < n; i++) {
      let x = (h ^ Math.imul(i, 2654435761)) >>> 0;
      x ^= x >>> 16;
      x = Math.imul(x, 0x85ebca6b) >>> 0;
      x ^= x >>> 13;
      x = Math.imul(x, 0xc2b2ae35) >>> 0;
      x ^= x >>> 16;
      data[i] = 0.5 + (x >>> 0) / TWO_POW_32; // the Float32Array store is the single round-to-nearest-even
    }
  } else {
    const scale = rule.scale;
    for (let i = 0; i < n; i++) {
      let x = (h ^ Math.imul(i, 2654435761)) >>> 0;
      x ^= x >>> 16;
      x = Math.imul(x, 0x85ebca6b) >>> 0;
      x ^= x >>> 13;
      x = Math.imul(x, 0xc2b2ae35) >>> 0;
      x ^= x >>> 16;
      data[i] = (2 * ((x >>> 0) / TWO_POW_32) - 1) * scale;
    }
  }
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
