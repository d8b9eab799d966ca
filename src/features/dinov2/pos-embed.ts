/**
 * @file DINOv2's positional embedding at the 224×224 input, as `DinoVisionTransformer.interpolate_pos_encoding`
 * computes it: the 37×37 grid of patch embeddings (trained at 518×518) resized by
 * `F.interpolate(mode="bicubic", antialias=False, scale_factor=((16 + 0.1)/37, (16 + 0.1)/37))` to 16×16,
 * the CLS embedding unchanged. For a fixed input size this is a constant, so it is computed once while
 * the graph is built instead of in the graph.
 *
 * PyTorch's bicubic (aten `upsample_bicubic2d`, CPU): with a scale factor given (recompute_scale_factor
 * unset) the source coordinate of output index i is `(i + 0.5)/s − 0.5` with `1/s` taken as given —
 * not in/out — and the four taps floor(x)−1…floor(x)+2 are clamped to the grid, weights Keys' cubic
 * with A = −0.75. PyTorch computes these in float32 on float32 input; the coordinate and weights are
 * rounded to float32 here the same way, and the 16 products summed in float64 (PyTorch sums in
 * float32: the difference is below 1e-7 of the embedding's values).
 */

import { DINOV2_GRID, DINOV2_INTERPOLATE_OFFSET, DINOV2_POS_GRID } from './arch.js';

const f32 = Math.fround;
const A = -0.75;

/** Keys' cubic convolution weights of the 4 taps at fraction t (aten `get_cubic_upsample_coefficients`). */
function cubicWeights(t: number): [number, number, number, number] {
  const near = (x: number): number => f32(f32(f32(f32(f32(A + 2) * x) - f32(A + 3)) * x) * x + 1);
  const far = (x: number): number => f32(f32(f32(f32(f32(A * x) - f32(5 * A)) * x) + f32(8 * A)) * x - f32(4 * A));
  const u = f32(1 - t);
  return [far(f32(t + 1)), near(t), near(u), far(f32(u + 1))];
}

/** Per output index: the 4 clamped source indices and their weights. */
function axis(inSize: number, outSize: number, scaleFactor: number): { index: Int32Array; weight: Float64Array } {
  const ratio = f32(1 / scaleFactor);
  const index = new Int32Array(4 * outSize);
  const weight = new Float64Array(4 * outSize);
  for (let i = 0; i < outSize; i++) {
    const real = f32(f32(ratio * f32(i + 0.5)) - 0.5);
    const base = Math.min(Math.floor(real), inSize - 1);
    const t = Math.min(Math.max(f32(real - base), 0), 1);
    const w = cubicWeights(t);
    for (let k = 0; k < 4; k++) {
      index[4 * i + k] = Math.min(Math.max(base - 1 + k, 0), inSize - 1);
      weight[4 * i + k] = w[k];
    }
  }
  return { index, weight };
}

/**
 * The positional embedding for 16×16 patches plus CLS, `[1 + 16·16, dim]` row-major, from the
 * checkpoint's `pos_embed` `[1, 1 + 37·37, dim]` (flat C order).
 */
export function interpolatePosEmbed(posEmbed: ArrayLike<number>, dim: number): Float32Array {
  const m = DINOV2_POS_GRID;
  const g = DINOV2_GRID;
  if (posEmbed.length !== (1 + m * m) * dim) throw new RangeError(`pos_embed has ${posEmbed.length} values, expected ${(1 + m * m) * dim}`);
  // Python: float(w0 + interpolate_offset) / M, a float64 handed to aten as the scale.
  const { index, weight } = axis(m, g, (g + DINOV2_INTERPOLATE_OFFSET) / m);
  const out = new Float32Array((1 + g * g) * dim);
  for (let c = 0; c < dim; c++) out[c] = posEmbed[c];
  for (let oy = 0; oy < g; oy++) {
    for (let ox = 0; ox < g; ox++) {
      const o = (1 + oy * g + ox) * dim;
      for (let c = 0; c < dim; c++) {
        let sum = 0;
        for (let ky = 0; ky < 4; ky++) {
          const row = 1 + index[4 * oy + ky] * m;
          let acc = 0;
          for (let kx = 0; kx < 4; kx++) acc += weight[4 * ox + kx] * posEmbed[(row + index[4 * ox + kx]) * dim + c];
          sum += weight[4 * oy + ky] * acc;
        }
        out[o + c] = sum;
      }
    }
  }
  return out;
}
