/**
 * @file How an 8-bit RGB image becomes the input of torch-fidelity's VGG16 (`FeatureExtractorVGG16.forward`):
 * uint8 → float32 0..255 → TF1 bilinear resize to 224×224 (`interpolate_bilinear_2d_like_tensorflow1x`,
 * align_corners=False — the resize of the Inception's `tf` protocol, at another size) → torchvision's
 * `normalize` with mean 255·(0.485, 0.456, 0.406) and std 255·(0.229, 0.224, 0.225): per channel
 * `float32(float32(v − m) / s)`, with m and s the float32 roundings of those products, as torch turns
 * the Python floats into float32 tensors and subtracts, then divides. Bit-exact with the reference on
 * all 24 fixture images (SHA-256 of the 1×3×224×224 inputs in fixtures/vgg16/expected.json).
 */

import { InputError } from '../../core/errors.js';
import type { DecodedImage } from '../../io/decoded-image.js';
import { resizeImage } from '../resize.js';

/** Input size of the network (height = width). */
export const VGG16_INPUT_SIZE = 224;

/** The preprocessing's name in reports and cache keys (torch-fidelity's VGG16 has exactly one). */
export const VGG16_PROTOCOL = 'tf-imagenet';

const f32 = Math.fround;
const MEAN = Float32Array.from([255 * 0.485, 255 * 0.456, 255 * 0.406]);
const STD = Float32Array.from([255 * 0.229, 255 * 0.224, 255 * 0.225]);


/**
 * Writes the network input of `image` (3×224×224 float32, planar CHW) into `out` at `offset`.
 * @throws {InputError} when the image is malformed or the buffer too small.
 */
export function writeVgg16Input(image: DecodedImage, out: Float32Array, offset = 0): void {
  const size = VGG16_INPUT_SIZE;
  const plane = size * size;
  if (offset < 0 || offset + 3 * plane > out.length) {
    throw new InputError(`network input buffer too small: need ${3 * plane} values at offset ${offset}, buffer holds ${out.length}`);
  }
  const resized = resizeImage(image, 'tf-bilinear', size, size).data;
  for (let c = 0; c < 3; c++) {
    const mean = MEAN[c];
    const std = STD[c];
    // normalize: the subtraction and the division each round to float32.
    for (let i = c * plane; i < (c + 1) * plane; i++) out[offset + i] = f32(f32(resized[i] - mean) / std);
  }
}

/** The network input of one image as a new 3×224×224 float32 array. @throws {InputError} as {@link writeVgg16Input} */
export function vgg16Input(image: DecodedImage): Float32Array {
  const out = new Float32Array(3 * VGG16_INPUT_SIZE * VGG16_INPUT_SIZE);
  writeVgg16Input(image, out, 0);
  return out;
}
