/**
 * @file How an 8-bit RGB image becomes the MNIST classifier's 28×28 input:
 * 1. grayscale by ITU-R 601-2 luma with Pillow's integer rounding (`Image.convert('L')`):
 *    L = (19595·R + 38470·G + 7471·B + 32768) >> 16, so a gray pixel (R = G = B) keeps its value;
 * 2. only when the image is not 28×28: resize to 28×28 with Pillow's antialiased bilinear filter
 *    (`Image.resize((28, 28), Image.BILINEAR)`: triangle kernel on half-pixel centres, widened by the
 *    scale factor when shrinking, weights normalised per output pixel), separably, rows then
 *    columns, computed in float64 on 0..255 and not re-quantised to 8 bits (Pillow rounds to uint8
 *    after each pass; the difference is below 1/255);
 * 3. scale to [0, 1] (v / 255), as in training. MNIST digits are white on black.
 */
import { InputError } from '../../core/errors.js';
import type { DecodedImage } from '../../io/decoded-image.js';
import { PIL_BILINEAR, pilAxis } from '../pil-resample.js';

/** Side of the classifier's input. */
export const MNIST_INPUT_SIZE = 28;

/**
 * Write the classifier input of `image` (28·28 floats in [0,1], row-major) into `out` at `offset`.
 * @throws {InputError} when the image's data does not match its size.
 */
export function writeMnistInput(image: DecodedImage, out: Float32Array, offset: number): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || data.length !== width * height * 3) {
    throw new InputError(`image of ${width}x${height} has ${data.length} bytes, expected ${width * height * 3} (8-bit RGB, HWC)`);
  }
  const luma = new Float64Array(width * height);
  for (let p = 0; p < luma.length; p++) luma[p] = (19595 * data[3 * p] + 38470 * data[3 * p + 1] + 7471 * data[3 * p + 2] + 32768) >> 16;
  const size = MNIST_INPUT_SIZE;
  if (width === size && height === size) {
    for (let p = 0; p < size * size; p++) out[offset + p] = luma[p] / 255;
    return;
  }
  const xs = pilAxis(width, size, PIL_BILINEAR);
  const ys = pilAxis(height, size, PIL_BILINEAR);
  // Horizontal pass: height × 28.
  const rows = new Float64Array(height * size);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < size; x++) {
      let acc = 0;
      for (let k = 0; k < xs.count[x]; k++) acc += xs.weights[x * xs.stride + k] * luma[y * width + xs.start[x] + k];
      rows[y * size + x] = acc;
    }
  }
  // Vertical pass: 28 × 28.
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let acc = 0;
      for (let k = 0; k < ys.count[y]; k++) acc += ys.weights[y * ys.stride + k] * rows[(ys.start[y] + k) * size + x];
      out[offset + y * size + x] = Math.min(255, Math.max(0, acc)) / 255;
    }
  }
}
