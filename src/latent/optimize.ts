/**
 * @file Fitting latent codes to an image by gradient descent (GAN inversion / VAE latent search), the
 * core of `fidkit latent reconstruct` and `inpaint`: from S starting codes at once, minimise per start
 *
 *   L(z) = (1/|V|) Σ_{i∈V} (G(z)_i − x_i)²  +  λ · ‖z‖² / d
 *
 * over the visible pixels V (all pixels for reconstruction), with Adam (Kingma & Ba 2015: β1 0.9,
 * β2 0.999, ε 1e-8, bias-corrected moments) on z alone, the generator frozen. The first term is the
 * mean squared error in [0,1] pixel units; the second, off by default (λ = 0), is a Gaussian prior
 * (−log N(z; 0, I) up to constants, scaled by 2λ/d so that λ weighs it against a per-pixel MSE;
 * ‖z‖²/d ≈ 1 for z ~ N(0, I)). It keeps z near the region the generator was trained on: without it,
 * z can drift to norms never seen in training where G still matches the visible pixels but draws
 * nonsense in the hidden ones.
 *
 * The S starts are one batch: the objective is the SUM of the per-start losses, so each start's
 * gradient is exactly its own loss's gradient, and Adam is elementwise, so the starts do not interact
 * — batching only saves time. Runs on the tfjs backend `loadTf()` picks; deterministic for given
 * starts on one backend.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { InputError } from '../core/errors.js';
import type { Tf } from '../models/mnist/tf.js';
import type { LatentModel } from './models.js';

/** Adam's constants (the paper's defaults). */
export const LATENT_ADAM = Object.freeze({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });

export interface LatentFitOptions {
  /** The image to match: H·W pixels in [0,1], row-major. */
  readonly target: Float32Array;
  /** 1 = pixel counted in the loss, 0 = ignored (hidden); default every pixel. */
  readonly visible?: Uint8Array;
  /** Starting codes, row-major [starts, d]. */
  readonly starts: Float32Array;
  readonly steps: number;
  readonly learningRate: number;
  /** λ of the prior term λ·‖z‖²/d; default 0. */
  readonly priorWeight?: number;
  /** Called steps + 1 times, with `step` = 0 … steps: each start's MSE after that many Adam updates. */
  readonly onProgress?: (e: LatentFitProgress) => void;
}

export interface LatentFitProgress {
  readonly step: number;
  readonly total: number;
  /** Visible-pixel MSE of each start after `step` updates (step 0: at the starts; step = total: final). */
  readonly mse: Float64Array;
}

export interface LatentFitResult {
  readonly startCount: number;
  readonly latentDim: number;
  /** Final codes, [starts, d]. */
  readonly codes: Float32Array;
  /** G of the final codes, [starts, H·W] in [0,1]. */
  readonly images: Float32Array;
  /** Visible-pixel MSE per start at the starting codes. */
  readonly initialMse: Float64Array;
  /** Visible-pixel MSE per start at the final codes. */
  readonly finalMse: Float64Array;
  /** Visible-pixel MSE of every start after each step: row-major [steps + 1, starts], row 0 = initial, last = final. */
  readonly mseHistory: Float64Array;
  /** Start with the lowest final visible-pixel MSE (the first on ties). */
  readonly best: number;
}

/**
 * Fit codes to `target` from each of the `starts` (see the file comment).
 * @throws {InputError} for sizes that do not match the model, no visible pixel, or non-positive steps/learning rate.
 * @example fitLatents(tf, model, { target, starts: fillNormal(new RandomState(0), new Float32Array(5 * model.latentDim)), steps: 500, learningRate: 0.05 })
 */
export function fitLatents(tf: Tf, model: LatentModel, options: LatentFitOptions): LatentFitResult {
  const d = model.latentDim;
  const pixels = model.height * model.width;
  const { target, starts, steps, learningRate } = options;
  const priorWeight = options.priorWeight ?? 0;
  if (target.length !== pixels) throw new InputError(`target has ${target.length} pixels, ${model.generator} makes ${model.height}×${model.width} = ${pixels}`);
  if (starts.length === 0 || starts.length % d !== 0) throw new InputError(`starting codes hold ${starts.length} values, not a positive multiple of the latent size ${d}`);
  if (!Number.isSafeInteger(steps) || steps < 0) throw new InputError(`steps must be an integer ≥ 0, got ${steps}`);
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) throw new InputError(`learning rate must be a positive number, got ${learningRate}`);
  if (!(priorWeight >= 0) || !Number.isFinite(priorWeight)) throw new InputError(`prior weight must be a number ≥ 0, got ${priorWeight}`);
  const visible = options.visible ?? new Uint8Array(pixels).fill(1);
  if (visible.length !== pixels) throw new InputError(`visibility mask has ${visible.length} pixels, the image ${pixels}`);
  let visibleCount = 0;
  for (const v of visible) visibleCount += v ? 1 : 0;
  if (visibleCount === 0) throw new InputError('the mask hides every pixel: nothing to fit');
  const count = starts.length / d;

  const x = tf.tensor2d(target, [1, pixels]);
  const weights = tf.tensor2d(Float32Array.from(visible, (v) => (v ? 1 / visibleCount : 0)), [1, pixels]);
  // Per-start visible MSE, and the summed objective (see the file comment).
  const perStartMse = (z: tfTypes.Tensor2D): tfTypes.Tensor1D => tf.sum(tf.mul(tf.square(tf.sub(model.decode(z), x)), weights), 1) as tfTypes.Tensor1D;
  const objective = (z: tfTypes.Tensor2D): { total: tfTypes.Scalar; mse: tfTypes.Tensor1D } => {
    const mse = perStartMse(z);
    const loss = priorWeight > 0 ? tf.add(mse, tf.mul(tf.sum(tf.square(z), 1), priorWeight / d)) : mse;
    return { total: tf.sum(loss) as tfTypes.Scalar, mse };
  };

  let z: tfTypes.Tensor = tf.tensor2d(starts, [count, d]);
  let m: tfTypes.Tensor = tf.zerosLike(z);
  let v: tfTypes.Tensor = tf.zerosLike(z);
  const history = new Float64Array((steps + 1) * count);
  try {
    const { beta1, beta2, epsilon } = LATENT_ADAM;
    for (let t = 1; t <= steps; t++) {
      // Adam with the bias corrections written out: m̂ = m/(1−β1^t), v̂ = v/(1−β2^t), z −= lr·m̂/(√v̂ + ε).
      const [zNew, mNew, vNew, mse] = tf.tidy(() => {
        let mseT: tfTypes.Tensor1D | undefined;
        const { grad } = tf.valueAndGrad((zz: tfTypes.Tensor) => {
          const o = objective(zz as tfTypes.Tensor2D);
          // Kept: valueAndGrad disposes every other tensor made inside it; disposed below after reading.
          mseT = tf.keep(o.mse);
          return o.total;
        })(z);
        const mN = tf.add(tf.mul(m, beta1), tf.mul(grad, 1 - beta1));
        const vN = tf.add(tf.mul(v, beta2), tf.mul(tf.square(grad), 1 - beta2));
        const mHat = tf.div(mN, 1 - beta1 ** t);
        const vHat = tf.div(vN, 1 - beta2 ** t);
        const zN = tf.sub(z, tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), epsilon)), learningRate));
        return [zN, mN, vN, mseT!];
      });
      for (const old of [z, m, v]) old.dispose();
      [z, m, v] = [zNew, mNew, vNew];
      history.set(mse.dataSync(), (t - 1) * count);
      mse.dispose();
      options.onProgress?.({ step: t - 1, total: steps, mse: history.slice((t - 1) * count, t * count) });
    }
    const [finalImages, finalMse] = tf.tidy(() => {
      const images = model.decode(z as tfTypes.Tensor2D);
      return [images, tf.sum(tf.mul(tf.square(tf.sub(images, x)), weights), 1)];
    });
    history.set(finalMse.dataSync(), steps * count);
    const images = finalImages.dataSync() as Float32Array;
    const codes = z.dataSync() as Float32Array;
    finalImages.dispose();
    finalMse.dispose();
    const initialMse = history.slice(0, count);
    const last = history.slice(steps * count);
    options.onProgress?.({ step: steps, total: steps, mse: last });
    let best = 0;
    for (let s = 1; s < count; s++) if (last[s] < last[best]) best = s;
    return { startCount: count, latentDim: d, codes: Float32Array.from(codes), images: Float32Array.from(images), initialMse, finalMse: last, mseHistory: history, best };
  } finally {
    for (const t of [x, weights, z, m, v]) t.dispose();
  }
}
