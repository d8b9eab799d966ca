/**
 * @file The images the latent experiments start from: an MNIST test digit by index, or an image file
 * made into a 28×28 grayscale digit in [0,1] the way the MNIST classifier sees it (Pillow's luma,
 * antialiased bilinear resize when not 28×28; `src/features/mnist/preprocess.ts`). MNIST digits are
 * white on black: a file that is mostly light gets a warning, since the generators never drew
 * dark-on-light digits.
 */
import { InputError } from '../core/errors.js';
import { loadMnist, MNIST_SIZE, type MnistSplit } from '../models/mnist/mnist-data.js';
import { writeMnistInput } from '../features/mnist/preprocess.js';
import { decodeImage } from '../io/images.js';

/** Where a target image comes from. */
export type TargetSpec = { readonly kind: 'index'; readonly index: number } | { readonly kind: 'image'; readonly path: string };

export interface TargetImage {
  /** 28·28 pixels in [0,1], row-major, white digit on black. */
  readonly pixels: Float32Array;
  /** `MNIST test #I` or the file's path. */
  readonly source: string;
  /** The MNIST label, for a test digit. */
  readonly label?: number;
  /** Messages for stderr (e.g. a light background). */
  readonly warnings: string[];
}

/** Mean brightness above which an image looks like a dark digit on a light background. */
const LIGHT_BACKGROUND_MEAN = 0.5;

/**
 * The MNIST test split — the one place the latent experiments read it, so its source can change
 * (today `loadMnist('test')`, the copy bundled in `data/mnist/`).
 * @throws {FidkitError} when the data is not installed.
 */
export function mnistTestDigits(): Promise<MnistSplit> {
  return loadMnist('test');
}

/**
 * Load the targets of `specs` (the test split is read at most once).
 * @throws {InputError} for an index outside the test set; decoding errors for unreadable files.
 * @example const [digit] = await loadTargets([{ kind: 'index', index: 0 }]) // test digit #0, a 7
 */
export async function loadTargets(specs: readonly TargetSpec[]): Promise<TargetImage[]> {
  let split: Promise<MnistSplit> | undefined;
  return Promise.all(
    specs.map(async (spec) => {
      if (spec.kind === 'index') return testDigit(await (split ??= mnistTestDigits()), spec.index);
      return imageTarget(spec.path);
    }),
  );
}

/** Test digit `index` of `split` in [0,1]. @throws {InputError} outside 0 … count − 1 */
export function testDigit(split: MnistSplit, index: number): TargetImage {
  if (!Number.isSafeInteger(index) || index < 0 || index >= split.count) throw new InputError(`MNIST test index ${index} is out of range: use 0 … ${split.count - 1}`);
  const size = MNIST_SIZE * MNIST_SIZE;
  const pixels = Float32Array.from(split.images.subarray(index * size, (index + 1) * size), (v) => v / 255);
  return { pixels, source: `MNIST test #${index}`, label: split.labels[index], warnings: [] };
}

async function imageTarget(path: string): Promise<TargetImage> {
  const image = await decodeImage(path);
  const pixels = new Float32Array(MNIST_SIZE * MNIST_SIZE);
  writeMnistInput(image, pixels, 0);
  const warnings: string[] = [];
  if (image.width !== MNIST_SIZE || image.height !== MNIST_SIZE) warnings.push(`${path} is ${image.width}×${image.height}: resized to 28×28 (bilinear)`);
  const mean = pixels.reduce((a, b) => a + b, 0) / pixels.length;
  if (mean > LIGHT_BACKGROUND_MEAN) warnings.push(`${path} is mostly light (mean ${mean.toFixed(2)}): the generators draw white digits on black, as MNIST; invert the image for a meaningful fit`);
  return { pixels, source: path, warnings };
}
