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
 * The resize runs here in JavaScript, not as an ONNX `Resize`: each reference rounds its
 * intermediates to float32 at particular points, and the recipes below reproduce those roundings
 * (`Math.fround`), so the network input equals the reference's to the bit on every fixture image
 * (tested: `tf`, `clean` through the SHA-256 of all 24 fixture inputs; `pytorch-fid` on the two
 * stored inputs). ONNX `Resize` with the matching
 * attributes (linear + asymmetric; linear + pytorch_half_pixel; cubic a=−0.5 + half_pixel +
 * antialias + exclude_outside) is not bit-exact: it differs by up to 1.3e-5 on the fixture images
 * (test/onnx/resize.test.ts). The scaling is fused into the same loop, which
 * keeps the ONNX model protocol-independent, so one cached model serves all three.
 * Cost: 2–5 ms per image up to ~320² (clean from 1024²: ~35 ms), against ~100 ms of CPU time for
 * the network.
 *
 * Output layout is planar CHW, written straight into the batch tensor.
 */

import { InputError } from '../../errors.js';
import type { DecodedImage } from '../../io/decoded-image.js';
import { DEFAULTS, type Protocol } from '../../options/schema.js';
import { PIL_BICUBIC, pilAxis } from '../pil-resample.js';

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
  switch (protocol) {
    case 'tf':
      return resizeTf1Bilinear(image, size, out, offset);
    case 'pytorch-fid':
      return resizeTorchBilinear(image, size, out, offset);
    case 'clean':
      return resizePilBicubic(image, size, out, offset);
    default:
      throw new InputError(`unknown preprocessing protocol '${String(protocol)}'`);
  }
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

function checkImage(image: DecodedImage): void {
  const { width, height, data } = image;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new InputError(`image size ${width}x${height} is invalid: width and height must be positive integers`);
  }
  if (data.length !== width * height * 3) {
    throw new InputError(`image data holds ${data.length} bytes, but ${width}x${height} RGB needs ${width * height * 3}`);
  }
}

const f32 = Math.fround;

/** (x − 128)/128 in float32: the subtraction rounds, the division by a power of two is exact. */
const scaleTf = (x: number): number => f32(x - 128) / 128;

/**
 * TF1 `resize_bilinear` (align_corners=False, half_pixel_centers=False), torch-fidelity's
 * `interpolate_bilinear_2d_like_tensorflow1x`: source coordinate `i·s` with `s = in/out`, all
 * in float32, lerp along x then y, every operation rounded to float32.
 */
function resizeTf1Bilinear(image: DecodedImage, size: number, out: Float32Array, offset: number): void {
  const { width, height, data } = image;
  const xs = tf1Axis(width, size);
  const ys = tf1Axis(height, size);
  const plane = size * size;
  for (let oy = 0; oy < size; oy++) {
    const rowLo = ys.lo[oy] * width * 3;
    const rowHi = ys.hi[oy] * width * 3;
    const fy = ys.frac[oy];
    for (let ox = 0; ox < size; ox++) {
      const lo = xs.lo[ox] * 3;
      const hi = xs.hi[ox] * 3;
      const fx = xs.frac[ox];
      const o = offset + oy * size + ox;
      for (let c = 0; c < 3; c++) {
        // Pixel values are integers, so the differences are exact; products and sums round.
        const tl = data[rowLo + lo + c];
        const bl = data[rowHi + lo + c];
        const top = f32(tl + f32((data[rowLo + hi + c] - tl) * fx));
        const bottom = f32(bl + f32((data[rowHi + hi + c] - bl) * fx));
        out[o + c * plane] = scaleTf(f32(top + f32(f32(bottom - top) * fy)));
      }
    }
  }
}

/** Per output index: lower/upper source index and the float32 fraction, TF1 legacy mapping. */
function tf1Axis(inSize: number, outSize: number): { lo: Int32Array; hi: Int32Array; frac: Float32Array } {
  const s = f32(inSize / outSize);
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const frac = new Float32Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const g = f32(i * s);
    const l = Math.floor(g);
    lo[i] = l;
    hi[i] = Math.min(l + 1, inSize - 1);
    frac[i] = f32(g - l);
  }
  return { lo, hi, frac };
}

/** v/255 in float32, as torchvision's `ToTensor`. */
const UNIT_LUT = Float32Array.from({ length: 256 }, (_, v) => v / 255);

/**
 * PyTorch 1.13 `F.interpolate(mode='bilinear', align_corners=False)` on `v/255` (pytorch-fid):
 * `src = max(0, scale·(d + 0.5) − 0.5)` with `scale = float32(in/out)`, weights in float32,
 * `l0y·(l0x·a + l1x·b) + l1y·(l0x·c + l1x·d)` in float32; then `2x − 1`. PyTorch's AVX2 kernel
 * is compiled with contracted multiply-adds: each `w0·p + w1·q` is `fma(w0, p, float32(w1·q))`.
 * Only that order reproduces the fixture inputs bit for bit (plain float32 arithmetic is off by
 * 1 ulp in ~5 % of the values).
 */
function resizeTorchBilinear(image: DecodedImage, size: number, out: Float32Array, offset: number): void {
  const { width, height, data } = image;
  const xs = torchAxis(width, size);
  const ys = torchAxis(height, size);
  const plane = size * size;
  for (let oy = 0; oy < size; oy++) {
    const row0 = ys.i0[oy] * width * 3;
    const row1 = ys.i1[oy] * width * 3;
    const w0y = ys.w0[oy];
    const w1y = ys.w1[oy];
    for (let ox = 0; ox < size; ox++) {
      const x0 = xs.i0[ox] * 3;
      const x1 = xs.i1[ox] * 3;
      const w0x = xs.w0[ox];
      const w1x = xs.w1[ox];
      const o = offset + oy * size + ox;
      for (let c = 0; c < 3; c++) {
        const top = fmaF32(w0x, UNIT_LUT[data[row0 + x0 + c]], f32(w1x * UNIT_LUT[data[row0 + x1 + c]]));
        const bottom = fmaF32(w0x, UNIT_LUT[data[row1 + x0 + c]], f32(w1x * UNIT_LUT[data[row1 + x1 + c]]));
        const v = fmaF32(w0y, top, f32(w1y * bottom));
        // 2v is exact in float32; one rounding for the subtraction.
        out[o + c * plane] = f32(2 * v - 1);
      }
    }
  }
}

const F32_BITS = new Float32Array(1);
const U32_BITS = new Uint32Array(F32_BITS.buffer);

/**
 * `float32(a·b + c)` with a single rounding, for float32 `a`, `b`, `c` (C's `fmaf`). The product is
 * exact in double; the sum is rounded to double and then to float32, which can only go wrong when
 * the double lands exactly halfway between two float32 values while the exact sum does not — that
 * case is detected with the sum's exact error term and resolved towards the true value.
 */
export function fmaF32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const r = f32(s);
  if (r === s || r === 0) return r;
  // Two-sum: the exact error of p + c.
  const v = s - p;
  const err = p - (s - v) + (c - v);
  if (err === 0) return r;
  F32_BITS[0] = r;
  // The float32 neighbour of r on the side of s.
  U32_BITS[0] += (s > r) === r > 0 ? 1 : -1;
  const other = F32_BITS[0];
  if (Math.abs(s - r) !== Math.abs(other - s)) return r;
  // s is a float32 midpoint: the exact value lies beyond it in the direction of err.
  return (err > 0) === other > r ? other : r;
}

function torchAxis(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; w0: Float32Array; w1: Float32Array } {
  const scale = f32(inSize / outSize);
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w0 = new Float32Array(outSize);
  const w1 = new Float32Array(outSize);
  for (let d = 0; d < outSize; d++) {
    const src = Math.max(0, scale * (d + 0.5) - 0.5);
    const l = Math.floor(src);
    i0[d] = l;
    i1[d] = l < inSize - 1 ? l + 1 : l;
    const l1 = f32(src - l);
    w1[d] = l1;
    w0[d] = f32(1 - l1);
  }
  return { i0, i1, w0, w1 };
}

/**
 * clean-fid's `clean` resize: per channel, Pillow's float-image ('F') bicubic resize — horizontal
 * pass (only if the width changes) stored as float32, then vertical (only if the height changes),
 * each output accumulated in double and stored as float32 — then clip to 0..255, no quantisation,
 * then (x − 128)/128.
 */
function resizePilBicubic(image: DecodedImage, size: number, out: Float32Array, offset: number): void {
  const { width, height, data } = image;
  const plane = size * size;
  // Horizontal pass: height × size per channel (planar), or the source itself when the width is already `size`.
  const horizontal = new Float32Array(3 * height * size);
  if (width === size) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < size; x++) {
        for (let c = 0; c < 3; c++) horizontal[c * height * size + y * size + x] = data[(y * width + x) * 3 + c];
      }
    }
  } else {
    const ax = pilAxis(width, size, PIL_BICUBIC);
    for (let y = 0; y < height; y++) {
      const row = y * width * 3;
      for (let x = 0; x < size; x++) {
        const first = ax.start[x];
        const n = ax.count[x];
        const w = x * ax.stride;
        for (let c = 0; c < 3; c++) {
          let acc = 0;
          for (let j = 0; j < n; j++) acc += data[row + (first + j) * 3 + c] * ax.weights[w + j];
          horizontal[c * height * size + y * size + x] = acc;
        }
      }
    }
  }
  // Vertical pass, clip, scale.
  const ay = height === size ? undefined : pilAxis(height, size, PIL_BICUBIC);
  for (let c = 0; c < 3; c++) {
    const src = c * height * size;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        let v: number;
        if (ay === undefined) {
          v = horizontal[src + y * size + x];
        } else {
          const first = ay.start[y];
          const n = ay.count[y];
          const w = y * ay.stride;
          let acc = 0;
          for (let j = 0; j < n; j++) acc += horizontal[src + (first + j) * size + x] * ay.weights[w + j];
          v = f32(acc);
        }
        out[offset + c * plane + y * size + x] = scaleTf(Math.min(255, Math.max(0, v)));
      }
    }
  }
}
