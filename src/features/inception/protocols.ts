/**
 * @file The three ways an 8-bit RGB image becomes the 299×299 input of the FID Inception network,
 * each reproducing its reference implementation bit for bit (fixtures/REFERENCE.md §1 step 5, §6):
 *
 * | protocol      | matches                                        | resize to 299×299                                   | scaling        |
 * |---------------|------------------------------------------------|-----------------------------------------------------|----------------|
 * | `tf`          | TTUR, torch-fidelity, clean-fid legacy_tensorflow | TF1 bilinear, no half-pixel centres, on 0..255   | (x − 128)/128  |
 * | `pytorch-fid` | pytorch-fid (clean-fid legacy_pytorch resizes 0..255, same to rounding) | PyTorch bilinear, align_corners=False, on v/255     | 2x − 1         |
 * | `clean`       | clean-fid `clean`                              | Pillow bicubic (antialiased) per channel in float, clipped, not quantised | (x − 128)/128 |
 *
 * The resizes are in features/resize.ts (shared with the bring-your-own ONNX extractor). They run in
 * JavaScript, not as an ONNX `Resize`: each reference rounds its
 * intermediates to float32 at particular points, and the recipes below reproduce those roundings
 * (`Math.fround`), so the network input equals the reference's to the bit on every fixture image
 * (tested: `tf`, `clean` through the SHA-256 of all 24 fixture inputs; `pytorch-fid` on the two
 * stored inputs). ONNX `Resize` with the matching
 * attributes (linear + asymmetric; linear + pytorch_half_pixel; cubic a=−0.5 + half_pixel +
 * antialias + exclude_outside) is not bit-exact: it differs by up to 1.3e-5 on the fixture images
 * (test/onnx/resize.test.ts). Scaling in JavaScript too keeps the ONNX model protocol-independent,
 * so one cached model serves all three.
 * Cost: 2–5 ms per image up to ~320² (clean from 1024²: ~35 ms), against ~100 ms of CPU time for
 * the network.
 *
 * Output layout is planar CHW, written straight into the batch tensor.
 */

import { InputError } from '../../core/errors.js';
import type { DecodedImage } from '../../io/decoded-image.js';
import { DEFAULTS, type Protocol } from '../../options/schema.js';
import { checkImage, resizeImage, type ResizeMethod } from '../resize.js';

export { fmaF32 } from '../resize.js';

/** Preprocessing protocol names: the schema's vocabulary, which the table below must cover exactly (the Record type checks it). */
export type InceptionProtocol = Protocol;

/** What each protocol reproduces, for `--help` and reports. */
export const INCEPTION_PROTOCOLS: Readonly<Record<InceptionProtocol, { readonly matches: string; readonly resize: string }>> = Object.freeze({
  tf: {
    matches: 'TTUR (the original TF FID), torch-fidelity, clean-fid legacy_tensorflow, StyleGAN',
    resize: 'TF1 bilinear without half-pixel centres on 0..255, then (x-128)/128',
  },
  'pytorch-fid': {
    matches: 'pytorch-fid (and, to float rounding, clean-fid legacy_pytorch)',
    resize: 'PyTorch bilinear (align_corners=False, no antialias) on v/255, then 2x-1',
  },
  clean: {
    matches: 'clean-fid mode "clean"',
    resize: 'Pillow bicubic with antialias per channel in float (no re-quantisation), clipped to 0..255, then (x-128)/128',
  },
});

/** The default protocol: the one behind published FID numbers (TTUR / torch-fidelity). */
export const DEFAULT_PROTOCOL: InceptionProtocol = DEFAULTS.protocol;

/**
 * Checks a protocol name from user input.
 * @throws {InputError} listing the valid names.
 */
export function parseProtocol(name: string): InceptionProtocol {
  if (Object.hasOwn(INCEPTION_PROTOCOLS, name)) return name as InceptionProtocol;
  throw new InputError(`unknown preprocessing protocol '${name}': expected one of ${Object.keys(INCEPTION_PROTOCOLS).join(', ')}`);
}

/** The resize each protocol runs (features/resize.ts), and how its output is scaled. */
const RECIPES: Readonly<Record<InceptionProtocol, { readonly resize: ResizeMethod; scale(v: number): number }>> = Object.freeze({
  tf: { resize: 'tf-bilinear', scale: (v) => scaleTf(v) },
  // 2v is exact in float32; one rounding for the subtraction.
  'pytorch-fid': { resize: 'torch-bilinear', scale: (v) => Math.fround(2 * v - 1) },
  clean: { resize: 'pil-bicubic', scale: (v) => scaleTf(v) },
});

/**
 * Writes the network input of `image` (resized to `size`×`size`, scaled) as planar float32 CHW into
 * `out` at `offset` (3·size² values).
 * @throws {InputError} when the image is empty or its data length does not match height × width × 3.
 */
export function writeNetworkInput(
  image: DecodedImage,
  protocol: InceptionProtocol,
  out: Float32Array,
  offset = 0,
  size = 299,
): void {
  checkImage(image);
  if (offset < 0 || offset + 3 * size * size > out.length) {
    throw new InputError(`network input buffer too small: need ${3 * size * size} values at offset ${offset}, buffer holds ${out.length}`);
  }
  const recipe = RECIPES[protocol];
  if (!recipe) throw new InputError(`unknown preprocessing protocol '${String(protocol)}'`);
  const { data } = resizeImage(image, recipe.resize, size, size);
  for (let i = 0; i < data.length; i++) out[offset + i] = recipe.scale(data[i]);
}

/**
 * The network input of one image as a new 3×size×size float32 array (CHW).
 * @throws {InputError} as {@link writeNetworkInput}.
 */
export function networkInput(image: DecodedImage, protocol: InceptionProtocol, size = 299): Float32Array {
  const out = new Float32Array(3 * size * size);
  writeNetworkInput(image, protocol, out, 0, size);
  return out;
}

/** (x − 128)/128 in float32: the subtraction rounds, the division by a power of two is exact. */
const scaleTf = (x: number): number => Math.fround(x - 128) / 128;
