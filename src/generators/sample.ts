/**
 * @file Seeded, batched sampling from any {@link ImageGenerator} with the truncation trick (`fidkit
 * sample`, the sweep, `score gen:…`), and the 8-bit RGB form of generated images that the feature
 * extractors take.
 *
 * Determinism: every latent code comes from one `RandomState(seed)` stream, drawn one code (row) at a
 * time with `sampleLatents` in order. Row i therefore depends only on the seed and the rows before
 * it, never on the batch size, so the first k images of a run of n > k are those of a run of k. For
 * ψ = none and an even d the codes equal one `fillNormal` over all n·d values (the draws pair up
 * the same way), i.e. those of `sampleGan`/`sampleVae` for the same seed.
 */
import { InputError } from '../core/errors.js';
import type { DecodedImage } from '../io/decoded-image.js';
import { DEFAULTS } from '../options/schema.js';
import { integer } from '../options/validate.js';
import { RandomState } from '../random/random-state.js';
import type { ImageGenerator } from './generator.js';
import { checkTruncation, DEFAULT_TRUNCATION_MODE, sampleLatents, type TruncationMode } from './truncation.js';

/** Codes per `generate` call unless `batchSize` says otherwise (the options schema's default). */
export const DEFAULT_SAMPLE_BATCH = DEFAULTS.sampleBatchSize;

export interface SampleOptions {
  /** Number of images, ≥ 1. */
  readonly count: number;
  /** Truncation ψ > 0; Infinity (the default) = none. */
  readonly truncation?: number;
  /** How ψ truncates: `scale` (default; z·ψ) or `resample` (BigGAN). */
  readonly mode?: TruncationMode;
  /** Seed of the latent codes, an integer in [0, 2³²−1]; default 0. */
  readonly seed?: number;
  /** Codes per `generate` call; default {@link DEFAULT_SAMPLE_BATCH}. Never changes the images. */
  readonly batchSize?: number;
  /**
   * Index of the first image (default 0): the codes of the rows before it are drawn and dropped
   * without generating, so this run's images are rows `first` … `first + count − 1` of a run of
   * `first + count` (how `--shard k/n` slices a generator).
   */
  readonly first?: number;
}

/** One batch of a sampling run. */
export interface SampleBatch {
  /** Index of the batch's first image in the run (0 = the image `first`). */
  readonly start: number;
  readonly count: number;
  /** The codes, row-major [count, latentDim]. */
  readonly latents: Float32Array;
  /** The images, [count, height, width, channels] in [0, 1]. */
  readonly images: Float32Array;
}

/**
 * `count` latent codes of width `latentDim`, drawn row by row from `rng` (see the file header).
 * @throws {InputError} ψ not positive, or an unknown mode
 */
export function drawLatents(rng: RandomState, count: number, latentDim: number, truncation = Infinity, mode: TruncationMode = DEFAULT_TRUNCATION_MODE): Float32Array {
  const out = new Float32Array(count * latentDim);
  for (let row = 0; row < count; row++) sampleLatents(rng, out.subarray(row * latentDim, (row + 1) * latentDim), truncation, mode);
  return out;
}

/** Check sampling options up front, so a bad value fails before any image is made. */
function checkSampleOptions(o: SampleOptions): Required<SampleOptions> {
  const { count, truncation = Infinity, mode = DEFAULT_TRUNCATION_MODE, seed = DEFAULTS.latentSeed, batchSize = DEFAULT_SAMPLE_BATCH, first = 0 } = o;
  const atLeast = (name: string, value: number, min: number) => {
    const type = integer(min);
    if (type.check(value) === undefined) throw new InputError(`${name} must be ${type.expected}, got ${value}`);
  };
  atLeast('count', count, 1);
  checkTruncation(truncation, mode);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new InputError(`seed must be an integer between 0 and ${0xffffffff}, got ${seed}`);
  atLeast('batchSize', batchSize, 1);
  atLeast('first', first, 0);
  return { count, truncation, mode, seed, batchSize, first };
}

/** Codes drawn per step when skipping to `first` (bounded memory, whatever `first` is). */
const SKIP_ROWS = 4096;

/**
 * Sample `count` images in batches: codes from `RandomState(seed)`, truncated, through `gen`.
 * @example for await (const b of sampleBatches(gen, { count: 10000, truncation: 0.7, seed: 1 })) use(b.images);
 * @throws {InputError} on bad options (at the first `next()`), or when the generator fails.
 */
export async function* sampleBatches(gen: ImageGenerator, options: SampleOptions): AsyncGenerator<SampleBatch> {
  const { count, truncation, mode, seed, batchSize, first } = checkSampleOptions(options);
  const rng = new RandomState(seed);
  for (let dropped = 0; dropped < first; dropped += SKIP_ROWS) drawLatents(rng, Math.min(SKIP_ROWS, first - dropped), gen.latentDim, truncation, mode);
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const latents = drawLatents(rng, n, gen.latentDim, truncation, mode);
    const images = await gen.generate(latents, n);
    yield { start, count: n, latents, images };
  }
}

/** A whole sampling run: flat row-major arrays with their shapes. */
export interface SampledImages {
  /** The images, row-major in {@link SampledImages.shape}, values in [0, 1]. */
  readonly images: Float32Array;
  /** `[count, height, width, channels]` (NHWC): image n's pixel (y, x) channel c is at ((n·H + y)·W + x)·C + c. */
  readonly shape: readonly [count: number, height: number, width: number, channels: number];
  /** The latent codes, row-major `[count, latentDim]`. */
  readonly latents: Float32Array;
  readonly latentDim: number;
  readonly count: number;
}

/**
 * All of a run in one piece (for grids and small sets).
 * @example
 * const { images, shape } = await sampleImages(gen, { count: 64, seed: 1 }); // shape [64, 28, 28, 1]
 * @throws {InputError} as {@link sampleBatches}.
 */
export async function sampleImages(gen: ImageGenerator, options: SampleOptions): Promise<SampledImages> {
  const perImage = gen.height * gen.width * gen.channels;
  const latents = new Float32Array(options.count * gen.latentDim);
  const images = new Float32Array(options.count * perImage);
  for await (const b of sampleBatches(gen, options)) {
    latents.set(b.latents, b.start * gen.latentDim);
    images.set(b.images, b.start * perImage);
  }
  return { images, shape: [options.count, gen.height, gen.width, gen.channels], latents, latentDim: gen.latentDim, count: options.count };
}

/**
 * Images [count, h, w, c] in [0, 1] as 8-bit RGB, quantised as a PNG writer does
 * (`round(clamp(v, 0, 1) · 255)`) with gray replicated to R, G and B: the bytes that writing the
 * images as PNGs and decoding them back gives, so scoring generated images in memory equals scoring
 * their files.
 * @throws {InputError} when the array length is not count·h·w·c or c is not 1 or 3.
 */
export function toRgb8(images: Float32Array, count: number, height: number, width: number, channels: number): DecodedImage[] {
  if (channels !== 1 && channels !== 3) throw new InputError(`images must have 1 or 3 channels, got ${channels}`);
  const per = height * width * channels;
  if (images.length !== count * per) throw new InputError(`expected ${count} images of ${height}×${width}×${channels} = ${count * per} values, got ${images.length}`);
  const out: DecodedImage[] = [];
  for (let n = 0; n < count; n++) {
    const data = new Uint8Array(height * width * 3);
    const src = n * per;
    for (let p = 0; p < height * width; p++) {
      for (let ch = 0; ch < 3; ch++) {
        const v = images[src + p * channels + (channels === 1 ? 0 : ch)];
        data[p * 3 + ch] = Math.round((v < 0 ? 0 : v > 1 ? 1 : v) * 255);
      }
    }
    out.push({ data, height, width });
  }
  return out;
}
