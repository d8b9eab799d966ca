/**
 * @file How an 8-bit RGB image becomes DINOv2's 1×3×224×224 input under each preset — each exactly
 * as its reference computes it, rounding to float32 where the reference does:
 *
 * | preset           | reference                                                                        |
 * |------------------|----------------------------------------------------------------------------------|
 * | `dgm-eval`       | dgm-eval `DINOv2Encoder.transform`: torchvision `Resize((224, 224), BICUBIC)` on the PIL image (Pillow's 8-bit bicubic), `ToTensor` (v/255), `Normalize(ImageNet mean, std)` |
 * | `edm2`           | EDM2 `DINOv2Detector` (`resize_mode='torch'`): float32 0..255, `F.interpolate(size=224, mode='bicubic', antialias=True)`, /255, − mean, / std |
 * | `torch-fidelity` | torch-fidelity 0.4 `FeatureExtractorDinoV2`: float32 0..255, TF1 bilinear to 224, normalize with 255·mean, 255·std |
 *
 * Normalisation is per channel `float32(float32(v − m) / s)` with m, s the float32 roundings of the
 * constants, as torch subtracts and divides float32 tensors.
 */

import { InputError } from '../../core/errors.js';
import type { DecodedImage } from '../../io/decoded-image.js';
import { resizeImage } from '../resize.js';
import { DINOV2_INPUT_SIZE } from './arch.js';

/** The presets, default first (see README "Which space?"). */
export const DINOV2_PROTOCOLS = Object.freeze(['dgm-eval', 'edm2', 'torch-fidelity'] as const);
export type Dinov2Protocol = (typeof DINOV2_PROTOCOLS)[number];

const f32 = Math.fround;
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];
/** torch-fidelity's constants, 255·mean and 255·std as Python floats, then float32. */
const MEAN_255 = Float32Array.from(MEAN, (m) => 255 * m);
const STD_255 = Float32Array.from(STD, (s) => 255 * s);
/** dgm-eval's and EDM2's: the constants themselves as float32 (`torch.as_tensor(mean, dtype=float32)`). */
const MEAN_32 = Float32Array.from(MEAN);
const STD_32 = Float32Array.from(STD);

/**
 * Writes the network input of `image` under `protocol` (3×224×224 float32, planar CHW) into `out` at `offset`.
 * @throws {InputError} when the image is malformed, the buffer too small, or the protocol unknown.
 */
export function writeDinov2Input(image: DecodedImage, protocol: string, out: Float32Array, offset = 0): void {
  const size = DINOV2_INPUT_SIZE;
  const plane = size * size;
  if (offset < 0 || offset + 3 * plane > out.length) {
    throw new InputError(`network input buffer too small: need ${3 * plane} values at offset ${offset}, buffer holds ${out.length}`);
  }
  switch (protocol) {
    case 'dgm-eval': {
      // Pillow's 8-bit result (integers 0..255), then ToTensor's v/255 (correctly rounded float32).
      const resized = resizeImage(image, 'pil-bicubic-u8', size, size).data;
      normalize(resized, out, offset, plane, (v) => f32(v / 255));
      return;
    }
    case 'edm2': {
      // float32 0..255 resized (not rounded or clamped), then x / 255 in float32.
      const resized = resizeImage(image, 'torch-bicubic-aa', size, size).data;
      normalize(resized, out, offset, plane, (v) => f32(v / 255));
      return;
    }
    case 'torch-fidelity': {
      const resized = resizeImage(image, 'tf-bilinear', size, size).data;
      for (let c = 0; c < 3; c++) {
        const mean = MEAN_255[c];
        const std = STD_255[c];
        for (let i = c * plane; i < (c + 1) * plane; i++) out[offset + i] = f32(f32(resized[i] - mean) / std);
      }
      return;
    }
    default:
      throw new InputError(`unknown DINOv2 preset '${protocol}': expected one of ${DINOV2_PROTOCOLS.join(', ')}`);
  }
}

/** `float32(float32(scale(v) − m) / s)` per channel with the ImageNet constants as float32. */
function normalize(resized: Float32Array, out: Float32Array, offset: number, plane: number, scale: (v: number) => number): void {
  for (let c = 0; c < 3; c++) {
    const mean = MEAN_32[c];
    const std = STD_32[c];
    for (let i = c * plane; i < (c + 1) * plane; i++) out[offset + i] = f32(f32(scale(resized[i]) - mean) / std);
  }
}

/** The network input of one image as a new 3×224×224 float32 array. @throws {InputError} as {@link writeDinov2Input} */
export function dinov2Input(image: DecodedImage, protocol: string): Float32Array {
  const out = new Float32Array(3 * DINOV2_INPUT_SIZE * DINOV2_INPUT_SIZE);
  writeDinov2Input(image, protocol, out, 0);
  return out;
}
