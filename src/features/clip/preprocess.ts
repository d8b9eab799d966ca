/**
 * @file How an 8-bit RGB image becomes the input of a CLIP image encoder, one function per reference
 * (`--protocol`), each reproducing its reference's float32 arithmetic:
 *
 * | protocol         | reference                                                                     |
 * |------------------|-------------------------------------------------------------------------------|
 * | `clip`           | OpenAI's `preprocess` (`clip.load(…)[1]`, `_transform(R)`): torchvision `Resize(R, BICUBIC)` of the PIL image (shorter side to R, Pillow's 8-bit bicubic), `CenterCrop(R)`, `ToTensor` (v/255), `Normalize(CLIP mean, std)` |
 * | `torch-fidelity` | torch-fidelity 0.4 `FeatureExtractorCLIP.forward`: float 0..255, TF1 bilinear to R×R (no crop, aspect not kept), `normalize(255·mean, 255·std)` |
 * | `cmmd`           | the CMMD reference (google-research `cmmd`, PyTorch port sayakpaul/cmmd-pytorch `io_util.py`/`embedding.py`): PIL centre crop to a square at `((w−l)//2, (h−l)//2)`, PIL `resize((R, R), BICUBIC)`, /255 in float32, torch bicubic resize to R×R (an identity: already R×R), `CLIPImageProcessor` normalize |
 *
 * All three normalise per channel as `float32(float32(v − mean) / std)` with float32 mean and std, as
 * torch's `normalize` and transformers' NumPy `normalize` both compute. Output: planar CHW float32.
 */

import { InputError } from '../../core/errors.js';
import type { DecodedImage } from '../../io/decoded-image.js';
import { clipResizeCrop, cmmdResizeCrop, resizeImage, UNIT_LUT } from '../resize.js';

/** The preprocessing references, by `--protocol` name. */
export const CLIP_PROTOCOLS = Object.freeze(['clip', 'torch-fidelity', 'cmmd'] as const);
export type ClipProtocol = (typeof CLIP_PROTOCOLS)[number];

/** OpenAI CLIP's normalisation (clip/clip.py `_transform`), also torch-fidelity's and CLIPImageProcessor's. */
export const CLIP_MEAN = Object.freeze([0.48145466, 0.4578275, 0.40821073]);
export const CLIP_STD = Object.freeze([0.26862954, 0.26130258, 0.27577711]);

const f32 = Math.fround;
const MEAN_01 = Float32Array.from(CLIP_MEAN);
const STD_01 = Float32Array.from(CLIP_STD);
// torch-fidelity passes 255·mean and 255·std as Python floats; torch rounds those products to float32.
const MEAN_255 = Float32Array.from(CLIP_MEAN, (m) => 255 * m);
const STD_255 = Float32Array.from(CLIP_STD, (s) => 255 * s);

/**
 * Writes the network input of `image` (3×R×R float32, planar CHW) for `protocol` into `out` at `offset`.
 * @throws {InputError} when the image is malformed or the buffer too small.
 */
export function writeClipInput(image: DecodedImage, protocol: ClipProtocol, resolution: number, out: Float32Array, offset = 0): void {
  const plane = resolution * resolution;
  if (offset < 0 || offset + 3 * plane > out.length) {
    throw new InputError(`network input buffer too small: need ${3 * plane} values at offset ${offset}, buffer holds ${out.length}`);
  }
  if (protocol === 'torch-fidelity') {
    const resized = resizeImage(image, 'tf-bilinear', resolution, resolution).data;
    for (let c = 0; c < 3; c++) {
      const mean = MEAN_255[c];
      const std = STD_255[c];
      for (let i = c * plane; i < (c + 1) * plane; i++) out[offset + i] = f32(f32(resized[i] - mean) / std);
    }
    return;
  }
  let pixels: Float32Array; // 0..255 integers, planar
  if (protocol === 'clip') pixels = clipResizeCrop(image, resolution).data;
  else if (protocol === 'cmmd') pixels = cmmdResizeCrop(image, resolution).data;
  else {
    throw new InputError(`unknown CLIP protocol '${String(protocol)}': expected one of ${CLIP_PROTOCOLS.join(', ')}`);
  }
  for (let c = 0; c < 3; c++) {
    const mean = MEAN_01[c];
    const std = STD_01[c];
    for (let i = c * plane; i < (c + 1) * plane; i++) out[offset + i] = f32(f32(UNIT_LUT[pixels[i]] - mean) / std);
  }
}

/** The network input of one image as a new 3×R×R float32 array. @throws {InputError} as {@link writeClipInput} */
export function clipInput(image: DecodedImage, protocol: ClipProtocol, resolution: number): Float32Array {
  const out = new Float32Array(3 * resolution * resolution);
  writeClipInput(image, protocol, resolution, out, 0);
  return out;
}
