/**
 * @file One image through a bring-your-own ONNX extractor's spec (spec.ts), into the model's input:
 * 1. resize to `resize_to` with one of fidkit's bit-exact resizes (features/resize.ts) — `short:N`
 *    gives the shorter side N and the longer `int(N·long/short)`, as torchvision's `Resize(N)`;
 *    `none` takes the image as it is and requires it to have that size already;
 * 2. crop the centre to the input size, at torchvision's `CenterCrop` offsets
 *    (`round((H' − H)/2)`, Python's round-half-to-even);
 * 3. map the values to `range`: the resize ran on 0..255 (TF, Pillow, none) or on v/255 (torch, as
 *    after ToTensor); 0..255 → `0,1` is x/255, → `-1,1` is x/127.5 − 1; 0..1 → `-1,1` is 2x − 1,
 *    → `0,255` is 255x; each rounded once to float32;
 * 4. `(x − mean[k]) / std[k]` in float32 (mean and std rounded to float32 first, as torch's tensors),
 *    for network channel k, which reads image channel k (`rgb`) or 2 − k (`bgr`);
 * 5. written as planar C×H×W (`nchw`) or interleaved H×W×C (`nhwc`).
 * With `tf-bilinear`, range `0,255`, mean = std = 128 this is the Inception's `tf` protocol to the
 * bit; `torch-bilinear` with range `-1,1` its `pytorch-fid`; `pil-bicubic` with `0,255` and 128/128
 * its `clean` (test/features/onnx/extractor.test.ts).
 */
import { InputError } from '../../core/errors.js';
import { optionRef } from '../../options/mention.js';
import type { DecodedImage } from '../../io/decoded-image.js';
import { checkImage, planarImage, resizeImage, RESIZE_DOMAIN, shorterSideSize, type PlanarImage } from '../resize.js';
import type { OnnxSpec } from './spec.js';

/** The size `image` is resized to before the crop. */
export function resizedSize(spec: OnnxSpec, width: number, height: number): { height: number; width: number } {
  const to = spec.resizeTo;
  if (to.kind === 'exact') return { height: to.height, width: to.width };
  const [h, w] = shorterSideSize(height, width, to.size);
  return { height: h, width: w };
}

/** Python's `round` (half to even), as torchvision's `CenterCrop` uses it. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const f32 = Math.fround;

/**
 * Write the model input of `image` (3·H·W floats in the spec's layout) into `out` at `offset`.
 * @throws {InputError} a malformed image, or with resize `none` an image of another size
 */
export function writeOnnxInput(image: DecodedImage, spec: OnnxSpec, out: Float32Array, offset: number): void {
  checkImage(image);
  const target = resizedSize(spec, image.width, image.height);
  let resized: PlanarImage;
  let domain: '0,255' | '0,1';
  if (spec.resize === 'none') {
    if (image.width !== target.width || image.height !== target.height) {
      throw new InputError(`image is ${image.width}x${image.height} (W×H), the model takes ${target.width}x${target.height} and the resize is none: pass ${optionRef('onnxResize', 'METHOD')}, or resize the images first`);
    }
    resized = planarImage(image, '0,255');
    domain = '0,255';
  } else {
    resized = resizeImage(image, spec.resize, target.height, target.width);
    domain = RESIZE_DOMAIN[spec.resize];
  }
  const { height: h, width: w } = spec.size;
  const top = roundHalfEven((resized.height - h) / 2);
  const left = roundHalfEven((resized.width - w) / 2);
  const map = rangeMap(domain, spec.range);
  const plane = h * w;
  const src = resized.data;
  const srcPlane = resized.height * resized.width;
  for (let k = 0; k < 3; k++) {
    const c = spec.channels === 'bgr' ? 2 - k : k;
    const mean = f32(spec.mean[k]);
    const std = f32(spec.std[k]);
    for (let y = 0; y < h; y++) {
      const row = c * srcPlane + (top + y) * resized.width + left;
      for (let x = 0; x < w; x++) {
        const v = f32(f32(map(src[row + x]) - mean) / std);
        out[spec.layout === 'nchw' ? offset + k * plane + y * w + x : offset + (y * w + x) * 3 + k] = v;
      }
    }
  }
}

/** How resized values (in `from`) become the model's range, rounded once to float32. */
function rangeMap(from: '0,255' | '0,1', to: OnnxSpec['range']): (v: number) => number {
  if (from === to) return (v) => v;
  if (from === '0,255') return to === '0,1' ? (v) => f32(v / 255) : (v) => f32(v / 127.5 - 1);
  // 2v is exact in float32; one rounding for the subtraction.
  return to === '-1,1' ? (v) => f32(2 * v - 1) : (v) => f32(v * 255);
}
