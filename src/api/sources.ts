/**
 * @file Inputs that are not files: images made on the fly by a generator (`gen:…`) and the bundled
 * MNIST digits (`mnist:test`, `mnist:train-10k`). Both stream straight into a feature extractor,
 * so `fidkit score gen:mnist-gan?n=10000 mnist:test --extractor mnist` writes no image file.
 *
 * Generator syntax (URL-like, quote it in shells because of `?` and `&`):
 *
 *     gen:<generator>[?n=N&seed=S&truncation=ψ|none&mode=resample|scale&layout=nchw|nhwc&range=0,1|-1,1&latent-dim=d&model=DIR]
 *
 * `<generator>` is `mnist-gan`, `mnist-vae` or a path to an ONNX generator. Defaults: n 10000, seed 0,
 * no truncation, mode scale (z·ψ). `model=DIR` takes a bundled architecture's weights from a folder
 * written by `fidkit train gan|vae`. The images are those `fidkit sample` would write with the same
 * settings: quantised to 8 bits as PNG files would be, so scoring `gen:` and scoring the folder that
 * `sample` wrote give the same numbers.
 */
import { createHash } from 'node:crypto';
import { InputError, UsageError } from '../core/errors.js';
import type { ImageSource } from '../features/extract.js';
import type { DecodedImage } from '../io/decoded-image.js';
import type { ImageGenerator } from '../generators/generator.js';
import { loadGenerator } from '../models/load-generator.js';
import { MNIST_SIZE, MNIST_SPLITS, loadMnist, type MnistSplitName } from '../models/mnist/mnist-data.js';
import { sampleBatches, toRgb8 } from '../generators/sample.js';
import { DEFAULT_TRUNCATION_MODE, formatTruncation, parseTruncation, TRUNCATION_MODES, type TruncationMode } from '../generators/truncation.js';
import { integer } from '../options/validate.js';
import { nonEmptyShardRange, type Shard } from '../stats/shards.js';

/** A parsed `gen:` input. */
export interface GeneratorInput {
  readonly generator: string;
  readonly count: number;
  readonly seed: number;
  /** Infinity = no truncation. */
  readonly truncation: number;
  readonly mode: TruncationMode;
  readonly layout?: 'nchw' | 'nhwc';
  readonly range?: '0,1' | '-1,1';
  readonly latentDim?: number;
  /** A `fidkit train` output folder for mnist-gan/mnist-vae. */
  readonly model?: string;
}

export const GENERATOR_PREFIX = 'gen:';
export const MNIST_PREFIX = 'mnist:';
export const DEFAULT_GENERATED_COUNT = 10_000;
const KEYS = ['n', 'seed', 'truncation', 'mode', 'layout', 'range', 'latent-dim', 'model'];

/** Whether an input argument names a generator or a bundled dataset rather than a path. */
export function isVirtualInput(text: string): boolean {
  return text.startsWith(GENERATOR_PREFIX) || text.startsWith(MNIST_PREFIX);
}

/**
 * Parse `gen:<generator>?key=value&…`.
 * @throws {UsageError} an unknown key or a bad value, naming the valid ones
 */
export function parseGeneratorInput(text: string): GeneratorInput {
  if (!text.startsWith(GENERATOR_PREFIX)) throw new UsageError(`a generator input starts with '${GENERATOR_PREFIX}', got '${text}'`);
  const body = text.slice(GENERATOR_PREFIX.length);
  const q = body.indexOf('?');
  const generator = q < 0 ? body : body.slice(0, q);
  if (!generator) throw new UsageError(`'${text}' names no generator: write gen:mnist-gan, gen:mnist-vae or gen:path/to/generator.onnx`);
  const params = new URLSearchParams(q < 0 ? '' : body.slice(q + 1));
  for (const key of params.keys()) {
    if (!KEYS.includes(key)) throw new UsageError(`unknown setting '${key}' in '${text}'; valid settings: ${KEYS.join(', ')}`);
  }
  const int = (key: string, fallback: number, min: number): number => {
    const raw = params.get(key);
    if (raw === null) return fallback;
    const type = integer(min);
    const v = type.parse(raw);
    if (v === undefined) throw new UsageError(`${key} in '${text}' must be ${type.expected}, got '${raw}'`);
    return v;
  };
  const mode = params.get('mode') ?? DEFAULT_TRUNCATION_MODE;
  if (!(TRUNCATION_MODES as readonly string[]).includes(mode)) throw new UsageError(`mode in '${text}' must be one of ${TRUNCATION_MODES.join(', ')}, got '${mode}'`);
  const layout = params.get('layout') ?? undefined;
  if (layout !== undefined && layout !== 'nchw' && layout !== 'nhwc') throw new UsageError(`layout in '${text}' must be nchw or nhwc, got '${layout}'`);
  const range = params.get('range') ?? undefined;
  if (range !== undefined && range !== '0,1' && range !== '-1,1') throw new UsageError(`range in '${text}' must be 0,1 or -1,1, got '${range}'`);
  const latentDim = params.has('latent-dim') ? int('latent-dim', 0, 1) : undefined;
  return {
    generator,
    count: int('n', DEFAULT_GENERATED_COUNT, 1),
    seed: int('seed', 0, 0),
    truncation: params.has('truncation') ? parseTruncation(params.get('truncation')!) : Infinity,
    mode: mode as TruncationMode,
    ...(layout ? { layout } : {}),
    ...(range ? { range } : {}),
    ...(latentDim ? { latentDim } : {}),
    ...(params.get('model') ? { model: params.get('model')! } : {}),
  };
}

/** The canonical spelling of a generator input (labels, cache keys). */
export function formatGeneratorInput(g: GeneratorInput): string {
  const parts = [`n=${g.count}`, `seed=${g.seed}`, `truncation=${formatTruncation(g.truncation)}`, `mode=${g.mode}`];
  if (g.layout) parts.push(`layout=${g.layout}`);
  if (g.range) parts.push(`range=${g.range}`);
  if (g.latentDim) parts.push(`latent-dim=${g.latentDim}`);
  if (g.model) parts.push(`model=${g.model}`);
  return `${GENERATOR_PREFIX}${g.generator}?${parts.join('&')}`;
}

/**
 * Parse `mnist:<split>[?n=N]` (the first N digits of the split; default all).
 * @throws {UsageError} an unknown split or setting
 */
export function parseMnistInput(text: string): { split: MnistSplitName; count?: number } {
  const body = text.slice(MNIST_PREFIX.length);
  const q = body.indexOf('?');
  const split = q < 0 ? body : body.slice(0, q);
  if (!(MNIST_SPLITS as readonly string[]).includes(split)) {
    throw new UsageError(`unknown MNIST set '${text}'; valid: ${MNIST_SPLITS.map((s) => MNIST_PREFIX + s).join(', ')} (test and train-10k ship with fidkit)`);
  }
  const params = new URLSearchParams(q < 0 ? '' : body.slice(q + 1));
  for (const key of params.keys()) if (key !== 'n') throw new UsageError(`unknown setting '${key}' in '${text}'; the only one is n (the first n digits)`);
  const raw = params.get('n');
  if (raw === null) return { split: split as MnistSplitName };
  const count = integer(1).parse(raw);
  if (count === undefined) throw new UsageError(`n in '${text}' must be a positive integer, got '${raw}'`);
  return { split: split as MnistSplitName, count };
}

/** An opened virtual input: its images as a source, and an identity for the feature cache. */
export interface VirtualSource {
  /** Canonical label, e.g. `gen:mnist-gan?n=10000&seed=0&truncation=0.7&mode=resample`. */
  readonly label: string;
  /** `generated`: a generator's images (`gen:…`); `real`: a bundled real data set (`mnist:…`). */
  readonly kind: 'generated' | 'real';
  /** The images: all of them, or under a shard its slice (row i of the source is image `first + i`). */
  readonly source: ImageSource;
  /** Changes whenever the images would (weights, settings, data, the shard's slice), for cache keys. */
  readonly identity: string;
  /** Index of the source's first image in the whole input: 0 unless a shard. */
  readonly first: number;
  /** The whole input, whatever the shard: its identity and image count (recorded in shards, for `stats merge`). */
  readonly whole: { readonly identity: string; readonly count: number };
  dispose(): Promise<void>;
}

/**
 * Open `gen:…` or `mnist:…`; with `shard`, only its slice of the images (as a folder's sorted files are
 * sliced: images ⌊(k−1)N/n⌋ … ⌊kN/n⌋−1 of the whole input, the same images a run over all of it makes).
 * @throws {UsageError} bad syntax; {@link FidkitError} a generator that cannot be loaded
 */
export async function openVirtualInput(text: string, options: { shard?: Shard } = {}): Promise<VirtualSource> {
  if (text.startsWith(MNIST_PREFIX)) {
    const { split, count } = parseMnistInput(text);
    return mnistSource(split, count, options.shard);
  }
  const spec = parseGeneratorInput(text);
  const generator = await loadGenerator(spec.generator, { layout: spec.layout, range: spec.range, latentDim: spec.latentDim, model: spec.model });
  return { ...generatorSource(generator, spec, options.shard), dispose: () => generator.dispose() };
}

/** The half-open slice of `total` images a shard takes (all of them without one), and the cache identity of that slice. */
function slice(total: number, label: string, wholeIdentity: string, shard: Shard | undefined): { start: number; end: number; identity: string } {
  if (!shard) return { start: 0, end: total, identity: wholeIdentity };
  const { start, end } = nonEmptyShardRange(total, shard, label);
  return { start, end, identity: `${wholeIdentity}#rows=${start}-${end}` };
}

/**
 * The images of a loaded generator for the settings of `spec`, or of `shard`'s slice of them (the codes
 * of the rows before the slice are drawn and dropped, not generated). The caller keeps and disposes the generator.
 */
export function generatorSource(generator: ImageGenerator, spec: GeneratorInput, shard?: Shard): VirtualSource {
  const label = formatGeneratorInput(spec);
  const wholeIdentity = `${label}#${generator.sha256}`;
  const { start: first, end, identity } = slice(spec.count, label, wholeIdentity, shard);
  const total = end - first;
  let batches: AsyncGenerator<{ start: number; count: number; images: Float32Array }> | undefined;
  let batchSize = 0;
  return {
    label,
    kind: 'generated',
    identity,
    first,
    whole: { identity: wholeIdentity, count: spec.count },
    source: {
      total,
      async read(start, size) {
        // The extractor reads in order with a fixed batch size, so one generator stream serves every call.
        if (!batches) {
          batchSize = size;
          batches = sampleBatches(generator, { count: total, first, truncation: spec.truncation, mode: spec.mode, seed: spec.seed, batchSize: size });
        }
        const next = await batches.next();
        if (next.done || next.value.start !== start || (size !== batchSize && start + size < total)) {
          throw new Error(`generator source read out of order at ${start} (batch ${size}, stream batch ${batchSize})`);
        }
        return toRgb8(next.value.images, next.value.count, generator.height, generator.width, generator.channels);
      },
    },
    dispose: async () => undefined,
  };
}

/**
 * The first `count` (default all) digits of a bundled MNIST split as 8-bit RGB images (gray
 * replicated, which the MNIST extractor's luma maps back exactly), or `shard`'s slice of them.
 * @throws {InputError} `count` beyond the split's size
 */
export async function mnistSource(split: MnistSplitName, count?: number, shard?: Shard): Promise<VirtualSource> {
  const data = await loadMnist(split);
  const whole = count ?? data.count;
  if (whole > data.count) throw new InputError(`mnist:${split} has ${data.count} digits, fewer than the ${whole} asked for`);
  const pixels = MNIST_SIZE * MNIST_SIZE;
  const label = `${MNIST_PREFIX}${split}${count === undefined ? '' : `?n=${count}`}`;
  const wholeIdentity = `${label}#${createHash('sha256').update(data.images.subarray(0, whole * pixels)).digest('hex')}`;
  const { start: first, end, identity } = slice(whole, label, wholeIdentity, shard);
  const images = data.images.subarray(first * pixels, end * pixels);
  const total = end - first;
  return {
    label,
    kind: 'real',
    identity,
    first,
    whole: { identity: wholeIdentity, count: whole },
    source: {
      total,
      async read(start, size) {
        const out: DecodedImage[] = [];
        for (let i = start; i < Math.min(start + size, total); i++) {
          const rgb = new Uint8Array(pixels * 3);
          for (let p = 0; p < pixels; p++) rgb[3 * p] = rgb[3 * p + 1] = rgb[3 * p + 2] = images[i * pixels + p];
          out.push({ data: rgb, height: MNIST_SIZE, width: MNIST_SIZE });
        }
        return out;
      },
    },
    dispose: async () => undefined,
  };
}
