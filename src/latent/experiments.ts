/**
 * @file The three latent experiments behind `fidkit latent interpolate|reconstruct|inpaint`, each a
 * function from plain options to a plain result: the numbers the CLI prints and the tiles of the image
 * grid it writes (grayscale, [count, H, W, 1] in [0,1], row-major tiles with `columns` per row).
 *
 * - interpolate: decode codes along the linear and the spherical path between two endpoints (GAN:
 *   codes from seeds; VAE: encoder means μ(x) of two digits, or codes from seeds), reporting per frame t,
 *   ‖z‖ on both paths and the bundled classifier's digit and probability.
 * - reconstruct: fit z to a digit from several random starts (`optimize.ts`), reporting the MSE per
 *   start before and after; for the VAE also the encoder's reconstruction decode(μ(x)) as a reference.
 * - inpaint: the same on the visible pixels only (`masks.ts`), reporting the visible-pixel MSE (what
 *   was fitted) and the hidden-region MSE against the original (what was guessed).
 *
 * Every random draw comes from `RandomState(seed)` (`fillNormal`): the same options give the same numbers.
 */
import { optionRef } from '../options/mention.js';
import { DEFAULTS } from '../options/schema.js';
import { InputError, UsageError } from '../core/errors.js';
import type { BundledGeneratorName } from '../models/mnist/model-files.js';
import { fillNormal } from '../io/params.js';
import { loadTf, type Tf } from '../models/mnist/tf.js';
import { RandomState } from '../random/random-state.js';
import { classifyDigits, type DigitPrediction } from './classify.js';
import { interpolationPath, interpolationTimes, norm } from './interpolate.js';
import { applyMask, compositeMasked, formatMask, regionMse, visibilityMap, type MaskSpec } from './masks.js';
import { decodeCodes, encodeMeans, loadLatentModel, type LatentModel } from './models.js';
import { fitLatents, type LatentFitProgress } from './optimize.js';
import { loadTargets, type TargetImage, type TargetSpec } from './targets.js';

/** The grid of an experiment: `count` grayscale tiles, `columns` per row (an `ImageBatch` of `src/report/image-grid.ts`). */
export interface LatentGrid {
  /** [count, height, width, 1] in [0,1]. */
  readonly data: Float32Array;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: 1;
  readonly columns: number;
  /** What the rows and columns show, for the report. */
  readonly layout: string;
}

/** Options every experiment takes. */
export interface LatentModelOptions {
  /** Default mnist-gan (`DEFAULTS.generator`, options/schema.ts). */
  readonly generator?: BundledGeneratorName;
  /** A folder written by `fidkit train gan|vae` to use instead of the bundled model. */
  readonly model?: string;
  /** Classify the frames/results with the bundled MNIST classifier (default true). */
  readonly classify?: boolean;
}

interface ModelInfo {
  readonly generator: BundledGeneratorName;
  readonly modelPath: string;
  readonly latentDim: number;
}

/** An interpolation endpoint: a code drawn from N(0, I) by `RandomState(seed)`, or a digit's encoder mean (VAE). */
export type LatentEndpoint = { readonly kind: 'seed'; readonly seed: number } | TargetSpec;

/**
 * Parse an endpoint: `seed:N`, `index:N` (MNIST test digit), a bare integer (a seed for the GAN,
 * a test index for the VAE), or anything else as an image file.
 * @throws {InputError} for a malformed `seed:`/`index:` value.
 * @example parseEndpoint('seed:3', 'mnist-gan') // { kind: 'seed', seed: 3 }
 */
export function parseEndpoint(text: string, generator: BundledGeneratorName): LatentEndpoint {
  const m = /^(seed|index):(.*)$/.exec(text);
  const value = m ? m[2] : text;
  const integer = /^\d+$/.test(value) && Number.isSafeInteger(Number(value));
  if (m && !integer) throw new InputError(`endpoint '${text}': ${m[1]} must be a non-negative integer`);
  if (!integer) return { kind: 'image', path: text };
  const kind = m ? m[1] : generator === 'mnist-gan' ? 'seed' : 'index';
  return kind === 'seed' ? { kind: 'seed', seed: Number(value) } : { kind: 'index', index: Number(value) };
}

/** The text form of an endpoint. */
export function describeEndpoint(e: LatentEndpoint): string {
  return e.kind === 'seed' ? `seed:${e.seed}` : e.kind === 'index' ? `index:${e.index}` : e.path;
}

export interface InterpolateOptions extends LatentModelOptions {
  /** Default: seed 0 (GAN) or test digit 0 (VAE). */
  readonly from?: LatentEndpoint;
  /** Default: seed 1 (GAN) or test digit 1 (VAE). */
  readonly to?: LatentEndpoint;
  /** Frames including both endpoints (≥ 2); default 10 (`DEFAULTS.frames`). */
  readonly frames?: number;
}

/** One frame on one path. */
export interface PathFrame {
  /** ‖z‖ of the frame's code. */
  readonly norm: number;
  /** The classifier's verdict (absent with `classify: false`). */
  readonly prediction?: DigitPrediction;
}

export interface InterpolationResult extends ModelInfo {
  readonly from: EndpointInfo;
  readonly to: EndpointInfo;
  /** cos Ω between the endpoints (slerp falls back to lerp at ±1). */
  readonly cosine: number;
  readonly frames: { readonly t: number; readonly linear: PathFrame; readonly spherical: PathFrame }[];
  readonly grid: LatentGrid;
  readonly warnings: string[];
}

export interface EndpointInfo {
  /** `seed:N`, `index:N` or the file. */
  readonly endpoint: string;
  /** How its code was made. */
  readonly code: string;
  /** MNIST label of a test digit. */
  readonly label?: number;
  readonly norm: number;
}

/**
 * Decode the linear and spherical paths between two endpoints.
 * @throws {UsageError} a digit endpoint with the GAN (it has no encoder); {@link InputError} a bad index
 *   or frame count; model and image loading errors.
 * @example await interpolate({ generator: 'mnist-gan', from: { kind: 'seed', seed: 0 }, to: { kind: 'seed', seed: 1 } })
 */
export async function interpolate(options: InterpolateOptions = {}): Promise<InterpolationResult> {
  const generator = options.generator ?? DEFAULTS.generator;
  const isGan = generator === 'mnist-gan';
  const from = options.from ?? (isGan ? { kind: 'seed', seed: 0 } : { kind: 'index', index: 0 });
  const to = options.to ?? (isGan ? { kind: 'seed', seed: 1 } : { kind: 'index', index: 1 });
  const times = interpolationTimes(options.frames ?? DEFAULTS.frames);
  for (const e of [from, to]) {
    if (isGan && e.kind !== 'seed') {
      throw new UsageError(`endpoint ${describeEndpoint(e)}: the GAN has no encoder, so its endpoints are seeds (seed:N); use ${optionRef('generator', 'mnist-vae')} for digits, or \`fidkit latent reconstruct\` to fit a GAN code to a digit`);
    }
  }
  const targetSpecs = [from, to].filter((e): e is TargetSpec => e.kind !== 'seed');
  const [tf, targets] = await Promise.all([loadTf(), loadTargets(targetSpecs)]);
  return withModel(tf, generator, options.model, async (model) => {
    const d = model.latentDim;
    const byDigit = new Map<LatentEndpoint, TargetImage>(targetSpecs.map((s, i) => [s, targets[i]]));
    const endpoint = (e: LatentEndpoint): { z: Float32Array; info: EndpointInfo } => {
      if (e.kind === 'seed') {
        const z = fillNormal(new RandomState(e.seed), new Float32Array(d));
        return { z, info: { endpoint: describeEndpoint(e), code: `z ~ N(0, I) from seed ${e.seed}`, norm: norm(z) } };
      }
      const target = byDigit.get(e)!;
      const z = encodeMeans(tf, model, target.pixels, 1);
      return { z, info: { endpoint: describeEndpoint(e), code: `encoder mean μ(x) of ${target.source}`, label: target.label, norm: norm(z) } };
    };
    const a = endpoint(from);
    const b = endpoint(to);
    const n = times.length;
    const linear = interpolationPath(a.z, b.z, times, 'linear');
    const spherical = interpolationPath(a.z, b.z, times, 'spherical');
    const codes = new Float32Array(2 * n * d);
    codes.set(linear);
    codes.set(spherical, n * d);
    const images = decodeCodes(tf, model, codes, 2 * n);
    const predictions = options.classify === false ? undefined : await classifyDigits(images, 2 * n, model.height, model.width);
    const frameOf = (path: Float32Array, row: number, i: number): PathFrame => ({
      norm: norm(path.subarray(i * d, (i + 1) * d)),
      ...(predictions ? { prediction: predictions[row * n + i] } : {}),
    });
    let dot = 0;
    for (let i = 0; i < d; i++) dot += a.z[i] * b.z[i];
    return {
      ...modelInfo(model),
      from: a.info,
      to: b.info,
      cosine: dot / (a.info.norm * b.info.norm),
      frames: times.map((t, i) => ({ t, linear: frameOf(linear, 0, i), spherical: frameOf(spherical, 1, i) })),
      grid: grid(model, images, 2 * n, n, `row 1: linear (lerp), row 2: spherical (slerp); ${n} columns from t = 0 (${a.info.endpoint}) to t = 1 (${b.info.endpoint})`),
      warnings: targets.flatMap((t) => t.warnings),
    };
  });
}

/** Options of {@link reconstruct} and {@link inpaint}. */
export interface FitOptions extends LatentModelOptions {
  readonly target: TargetSpec;
  /** Random starting codes, drawn from N(0, I) by `RandomState(seed)`; defaults in `DEFAULTS` (options/schema.ts). */
  readonly starts?: number;
  readonly steps?: number;
  readonly learningRate?: number;
  readonly seed?: number;
  /** λ of the prior term λ·‖z‖²/d (see `optimize.ts`). */
  readonly priorWeight?: number;
  readonly onProgress?: (e: LatentFitProgress) => void;
}

/** The fit's settings as run (defaults filled in). */
export interface FitSettings {
  readonly starts: number;
  readonly steps: number;
  readonly learningRate: number;
  readonly seed: number;
  readonly priorWeight: number;
}

export interface TargetInfo {
  readonly source: string;
  readonly label?: number;
  readonly prediction?: DigitPrediction;
}

export interface ReconstructStart {
  /** MSE over all pixels, in [0,1] units, at the starting code and at the fitted one. */
  readonly initialMse: number;
  readonly finalMse: number;
  /** ‖z‖ of the fitted code (≈ √d for typical prior draws). */
  readonly norm: number;
  /** The classifier's verdict on G(z). */
  readonly prediction?: DigitPrediction;
}

export interface ReconstructResult extends ModelInfo {
  readonly target: TargetInfo;
  readonly settings: FitSettings;
  readonly starts: ReconstructStart[];
  /** 0-based index of the start with the lowest final MSE. */
  readonly best: number;
  /** VAE only: the encoder's reconstruction decode(μ(x)), the amortised answer the fits compete with. */
  readonly encoder?: { readonly mse: number; readonly norm: number; readonly prediction?: DigitPrediction };
  readonly seconds: number;
  readonly grid: LatentGrid;
  readonly warnings: string[];
}

/**
 * Find codes z minimising the MSE between G(z) and a digit, from several random starts.
 * @throws {InputError} bad counts, index or learning rate; model and image loading errors.
 * @example const r = await reconstruct({ generator: 'mnist-vae', target: { kind: 'index', index: 0 } }); r.starts[r.best].finalMse
 */
export async function reconstruct(options: FitOptions): Promise<ReconstructResult> {
  const generator = options.generator ?? DEFAULTS.generator;
  const settings = fitSettings(options);
  const [tf, [target]] = await Promise.all([loadTf(), loadTargets([options.target])]);
  return withModel(tf, generator, options.model, async (model) => {
    const started = performance.now();
    const fit = fitLatents(tf, model, { target: target.pixels, starts: startingCodes(model, settings), steps: settings.steps, learningRate: settings.learningRate, priorWeight: settings.priorWeight, onProgress: options.onProgress });
    const seconds = (performance.now() - started) / 1000;
    const size = model.height * model.width;
    let encoder: { z: Float32Array; image: Float32Array; mse: number } | undefined;
    if (model.encodeMean) {
      const z = encodeMeans(tf, model, target.pixels, 1);
      const image = decodeCodes(tf, model, z, 1);
      encoder = { z, image, mse: regionMse(image, target.pixels) };
    }
    // Tiles: the target, the encoder's reconstruction (VAE), then G(z) of every start.
    const tiles = [target.pixels, ...(encoder ? [encoder.image] : []), fit.images];
    const count = 1 + (encoder ? 1 : 0) + settings.starts;
    const images = concat(tiles, count * size);
    const predictions = options.classify === false ? undefined : await classifyDigits(images, count, model.height, model.width);
    const d = model.latentDim;
    return {
      ...modelInfo(model),
      target: targetInfo(target, predictions?.[0]),
      settings,
      starts: Array.from({ length: settings.starts }, (_, s) => ({
        initialMse: fit.initialMse[s],
        finalMse: fit.finalMse[s],
        norm: norm(fit.codes.subarray(s * d, (s + 1) * d)),
        ...(predictions ? { prediction: predictions[count - settings.starts + s] } : {}),
      })),
      best: fit.best,
      ...(encoder ? { encoder: { mse: encoder.mse, norm: norm(encoder.z), ...(predictions ? { prediction: predictions[1] } : {}) } } : {}),
      seconds,
      grid: grid(model, images, count, count, `one row: the target${encoder ? ', the encoder\'s reconstruction decode(μ(x))' : ''}, then G(z) of starts 1–${settings.starts}`),
      warnings: target.warnings,
    };
  });
}

export interface InpaintOptions extends FitOptions {
  /** The hidden region. */
  readonly mask: MaskSpec;
}

export interface InpaintStart {
  /** MSE over the visible pixels at the starting code and at the fitted one (what the fit minimises). */
  readonly initialVisibleMse: number;
  readonly visibleMse: number;
  /** MSE over the hidden pixels between G(z) and the original (what the fit had to guess). */
  readonly hiddenMse: number;
  readonly norm: number;
  /** The classifier's verdict on the inpainted image (visible pixels from the original, hidden ones from G(z)). */
  readonly prediction?: DigitPrediction;
}

export interface InpaintResult extends ModelInfo {
  readonly target: TargetInfo;
  /** The mask's text form, and how many pixels the loss saw and did not see. */
  readonly mask: string;
  readonly visiblePixels: number;
  readonly hiddenPixels: number;
  readonly settings: FitSettings;
  readonly starts: InpaintStart[];
  /** 0-based index of the start with the lowest final visible-pixel MSE. */
  readonly best: number;
  readonly seconds: number;
  readonly grid: LatentGrid;
  readonly warnings: string[];
}

/**
 * Fit codes to the visible pixels of a digit and report how well the hidden region was guessed.
 * @throws {InputError} a mask outside the image or hiding everything, bad counts; loading errors.
 * @example await inpaint({ generator: 'mnist-vae', target: { kind: 'index', index: 0 }, mask: { kind: 'half', half: 'bottom' } })
 */
export async function inpaint(options: InpaintOptions): Promise<InpaintResult> {
  const generator = options.generator ?? DEFAULTS.generator;
  const settings = fitSettings(options);
  const [tf, [target]] = await Promise.all([loadTf(), loadTargets([options.target])]);
  return withModel(tf, generator, options.model, async (model) => {
    const visible = visibilityMap(options.mask, model.height, model.width);
    const started = performance.now();
    const fit = fitLatents(tf, model, { target: target.pixels, visible, starts: startingCodes(model, settings), steps: settings.steps, learningRate: settings.learningRate, priorWeight: settings.priorWeight, onProgress: options.onProgress });
    const seconds = (performance.now() - started) / 1000;
    const size = model.height * model.width;
    const d = model.latentDim;
    const generated = (s: number): Float32Array => fit.images.subarray(s * size, (s + 1) * size);
    const composites = Array.from({ length: settings.starts }, (_, s) => compositeMasked(target.pixels, generated(s), visible));
    // Classified: the target and the inpainted image of every start.
    const predictions = options.classify === false ? undefined : await classifyDigits(concat([target.pixels, ...composites], (1 + settings.starts) * size), 1 + settings.starts, model.height, model.width);
    // Tiles: original, masked (hidden = mid-gray), the best start's inpainted image, then G(z) of every start.
    const count = 3 + settings.starts;
    const images = concat([target.pixels, applyMask(target.pixels, visible), composites[fit.best], fit.images], count * size);
    const visiblePixels = visible.reduce((a, v) => a + v, 0);
    return {
      ...modelInfo(model),
      target: targetInfo(target, predictions?.[0]),
      mask: formatMask(options.mask),
      visiblePixels,
      hiddenPixels: size - visiblePixels,
      settings,
      starts: Array.from({ length: settings.starts }, (_, s) => ({
        initialVisibleMse: fit.initialMse[s],
        visibleMse: fit.finalMse[s],
        hiddenMse: regionMse(generated(s), target.pixels, visible, 0),
        norm: norm(fit.codes.subarray(s * d, (s + 1) * d)),
        ...(predictions ? { prediction: predictions[1 + s] } : {}),
      })),
      best: fit.best,
      seconds,
      grid: grid(model, images, count, count, `one row: the original, the masked input (hidden pixels mid-gray), the inpainted image of the best start (start ${fit.best + 1}: visible pixels from the original, hidden ones generated), then G(z) of starts 1–${settings.starts}`),
      warnings: target.warnings,
    };
  });
}

function fitSettings(o: FitOptions): FitSettings {
  const s = {
    starts: o.starts ?? DEFAULTS.starts,
    steps: o.steps ?? DEFAULTS.fitSteps,
    learningRate: o.learningRate ?? DEFAULTS.learningRate,
    seed: o.seed ?? DEFAULTS.fitSeed,
    priorWeight: o.priorWeight ?? DEFAULTS.priorWeight,
  };
  if (!Number.isSafeInteger(s.starts) || s.starts < 1) throw new InputError(`starts must be an integer ≥ 1, got ${s.starts}`);
  if (!Number.isSafeInteger(s.seed) || s.seed < 0) throw new InputError(`seed must be an integer ≥ 0, got ${s.seed}`);
  return s;
}

/** `settings.starts` codes from N(0, I), all from one `RandomState(seed)` stream in start order. */
function startingCodes(model: LatentModel, settings: FitSettings): Float32Array {
  return fillNormal(new RandomState(settings.seed), new Float32Array(settings.starts * model.latentDim));
}

async function withModel<T>(tf: Tf, generator: BundledGeneratorName, dir: string | undefined, body: (model: LatentModel) => Promise<T>): Promise<T> {
  const model = await loadLatentModel(tf, generator, dir);
  try {
    return await body(model);
  } finally {
    model.dispose();
  }
}

function modelInfo(model: LatentModel): ModelInfo {
  return { generator: model.generator, modelPath: model.modelPath, latentDim: model.latentDim };
}

function targetInfo(target: TargetImage, prediction?: DigitPrediction): TargetInfo {
  return { source: target.source, ...(target.label !== undefined ? { label: target.label } : {}), ...(prediction ? { prediction } : {}) };
}

function concat(parts: readonly Float32Array[], length: number): Float32Array {
  const out = new Float32Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function grid(model: LatentModel, data: Float32Array, count: number, columns: number, layout: string): LatentGrid {
  return { data, count, height: model.height, width: model.width, channels: 1, columns, layout };
}
