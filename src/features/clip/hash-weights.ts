/**
 * @file The CLIP "hash weights": a deterministic fill of the image tower's state dict that the reference
 * embeddings in fixtures/clip were made with (scripts/make-clip-fixtures.py), reproduced here bit for bit
 * (checked against the SHA-256 of every tensor in fixtures/clip/<model>/state_dict_keys.tsv), so tests run
 * the real network code path without OpenAI's archives.
 *
 * Formula (the mixer of ../hash-fill.ts, shared with the other extractors), per key K and flat C-order index i:
 * h = FNV-1a-32(UTF-8 K); x = h ^ (i·2654435761 mod 2³²); murmur3 fmix32; r = 2·(x / 2³²) − 1;
 *   `ln_*.weight`: 1 + 0.1·r; `ln_*.bias`: 0.1·r; `class_embedding`, `positional_embedding`: 0.5·r (float32);
 *   `proj` [W, D]: r·√(3 / W); conv/linear/attention weights [O, I, …]: r·√(3 / fan_in), fan_in = I·…;
 *   their biases: 0.05·r — these rounded to float16, as OpenAI's archives store them (`convert_weights`).
 * Each value is one float64 expression rounded once (to float16 round-half-even, as NumPy's
 * `astype(float16)`, or to float32). With these weights the embeddings of different fixture images are
 * far apart (fixtures/clip/<model>/expected.json → non_degeneracy: pairwise cosines −0.26 … 0.98 for
 * ViT-B/32), as LayerNorm keeps every block's input at unit scale.
 *
 * Tensors are generated when their `data` is read and never kept.
 */

import { InputError } from '../../core/errors.js';
import type { StateDict, Tensor } from '../../core/types.js';
import { hashUniform } from '../hash-fill.js';
import type { ClipModelSpec } from './models.js';
import { clipVisualSpec } from './state-dict.js';

/** The value offset + scale·r of key `key` (shape `shape`), r = 2u − 1, and whether it is rounded to float16. @throws {InputError} for a key without a rule */
export function clipHashRule(key: string, shape: readonly number[]): { readonly half: boolean; readonly offset: number; readonly scale: number } {
  const parts = key.split('.');
  const last = parts[parts.length - 1];
  const parent = parts.length >= 2 ? parts[parts.length - 2] : '';
  if (parent.startsWith('ln_') && last === 'weight') return { half: false, offset: 1, scale: 0.1 };
  if (parent.startsWith('ln_') && last === 'bias') return { half: false, offset: 0, scale: 0.1 };
  if (key === 'visual.class_embedding' || key === 'visual.positional_embedding') return { half: false, offset: 0, scale: 0.5 };
  if (key === 'visual.proj') return { half: true, offset: 0, scale: Math.sqrt(3 / shape[0]) };
  if (last.endsWith('weight') && shape.length >= 2) {
    let fanIn = 1;
    for (let d = 1; d < shape.length; d++) fanIn *= shape[d];
    return { half: true, offset: 0, scale: Math.sqrt(3 / fanIn) };
  }
  if (last.endsWith('bias') && shape.length === 1) return { half: true, offset: 0, scale: 0.05 };
  throw new InputError(`CLIP hash weights: no rule for key "${key}" of shape [${shape.join(', ')}]`);
}

/**
 * `x` rounded to the nearest float16 value, ties to even (IEEE 754; NumPy's float64 → float16), as a
 * number. Subnormal float16 results included; magnitudes beyond 65504 are not expected here and throw.
 */
export function roundToHalf(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const a = Math.abs(x);
  // At most half the smallest subnormal (2^-24): rounds to zero (the tie 2^-25 to the even 0).
  if (a <= 2 ** -25) return x < 0 ? -0 : 0;
  // The binary exponent e with 2^e ≤ a < 2^(e+1): from a's float32 rounding (which can round up to the
  // next power of two), then fixed.
  F32[0] = a;
  let e = ((U32[0] >>> 23) & 0xff) - 127;
  if (POW2[e + POW2_BIAS] > a) e -= 1;
  else if (POW2[e + 1 + POW2_BIAS] <= a) e += 1;
  const ulp = POW2[Math.max(e, -14) - 10 + POW2_BIAS];
  const q = a / ulp; // exact: a power-of-two scaling
  const f = Math.floor(q);
  const d = q - f;
  const n = d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
  const r = n * ulp;
  if (r > 65504) throw new RangeError(`roundToHalf: ${x} is beyond float16's range`);
  return x < 0 ? -r : r;
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);
const POW2_BIAS = 160;
/** 2^(i − 160), exact. */
const POW2 = Float64Array.from({ length: 320 }, (_, i) => 2 ** (i - POW2_BIAS));

/** The float32 values of one hash-weight tensor. @throws {InputError} as {@link clipHashRule} */
export function clipHashValues(key: string, shape: readonly number[]): Float32Array {
  const { half, offset, scale } = clipHashRule(key, shape);
  const n = shape.reduce((a, b) => a * b, 1);
  if (!half) return hashUniform(key, n, scale, offset);
  // float16 from the exact float64 value (rounding through float32 first could move a tie).
  const exact = hashUniform(key, n, scale, offset, new Float64Array(n));
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = roundToHalf(exact[i]); // float16 values are exact in float32
  return data;
}

/** The hash-weight state dict of model `m`'s image tower (`visual.*`), each tensor generated on every read. */
export function hashClipStateDict(m: ClipModelSpec): StateDict {
  const sd: StateDict = new Map();
  for (const { key, shape } of clipVisualSpec(m)) {
    const tensor: Tensor = {
      dtype: 'float32',
      shape,
      get data() {
        return clipHashValues(key, shape);
      },
    };
    sd.set(key, tensor);
  }
  return sd;
}
