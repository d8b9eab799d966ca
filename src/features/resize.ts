/**
 * @file The bit-exact resizes fidkit implements, on 8-bit RGB images, to any output size, each as
 * its reference computes it (rounding to float32 where the reference does):
 *
 * | method           | reference                                                         | resizes values  |
 * |------------------|-------------------------------------------------------------------|-----------------|
 * | `tf-bilinear`    | TF1 `resize_bilinear` (no half-pixel centres), torch-fidelity, TTUR | 0..255          |
 * | `torch-bilinear` | PyTorch 1.13 `F.interpolate(bilinear, align_corners=False)`, no antialias (pytorch-fid) | v/255 (ToTensor) |
 * | `pil-bicubic`    | Pillow's bicubic resize of a float ('F') image per channel, clipped to 0..255 (clean-fid) | 0..255 |
 * | `pil-bilinear`   | the same with Pillow's bilinear (triangle) filter                 | 0..255          |
 * | `pil-bicubic-u8` | Pillow's `Image.resize((w, h), BICUBIC)` of the 8-bit RGB image, uint8 result: torchvision's `Resize((h, w), BICUBIC)` on PIL images (dgm-eval's DINOv2, OpenAI CLIP) | 0..255 (integers) |
 * | `pil-bilinear-u8`| the same with `BILINEAR`                                          | 0..255 (integers) |
 * | `torch-bicubic`  | torch 2.x `F.interpolate(bicubic, align_corners=False)`, no antialias, on ToTensor's v/255 (CMMD) | v/255, not clamped |
 * | `torch-bicubic-aa` | the same with `antialias=True`, on float 0..255 (EDM2's DINOv2 detector) | 0..255, not clamped |
 *
 * Output: planar float32 [3][height][width] in the method's value domain. The Inception protocols
 * (inception/protocols.ts) and the bring-your-own ONNX extractor (features/onnx/) scale these.
 * Proven bit for bit on the fixture images against the references' network inputs
 * (test/features/inception/protocols.test.ts) and, for `pil-bilinear`, Pillow's own float resize
 * (test/features/resize.test.ts); the `-u8` methods and {@link clipResizeCrop} against Pillow 9.4 and
 * torchvision 0.14 (test/features/resize-vit.test.ts); the `torch-bicubic` methods against torch 2.13
 * (test/features/resize-torch-bicubic.test.ts).
 */
import { InputError } from '../core/errors.js';
import type { DecodedImage } from '../io/decoded-image.js';
import { fmaF32 } from './fma.js';
import { PIL_BICUBIC, PIL_BILINEAR, pilAxis, pilResizeU8, type PilFilter } from './pil-resample.js';
import { torchBicubic } from './torch-bicubic.js';

export { fmaF32 };

/** The resize methods, by name. */
export const RESIZE_METHODS = Object.freeze(['tf-bilinear', 'torch-bilinear', 'pil-bicubic', 'pil-bilinear', 'pil-bicubic-u8', 'pil-bilinear-u8', 'torch-bicubic', 'torch-bicubic-aa'] as const);
export type ResizeMethod = (typeof RESIZE_METHODS)[number];

/** The value domain each method resizes in: raw 0..255, or v/255 (torchvision's ToTensor comes first). */
export const RESIZE_DOMAIN: Readonly<Record<ResizeMethod, '0,255' | '0,1'>> = Object.freeze({
  'tf-bilinear': '0,255',
  'torch-bilinear': '0,1',
  'pil-bicubic': '0,255',
  'pil-bilinear': '0,255',
  'pil-bicubic-u8': '0,255',
  'pil-bilinear-u8': '0,255',
  'torch-bicubic': '0,1',
  'torch-bicubic-aa': '0,255',
});

/** A planar float32 image: channel c, row y, column x at `data[(c·height + y)·width + x]`. */
export interface PlanarImage {
  readonly data: Float32Array;
  readonly width: number;
  readonly height: number;
}

/**
 * Checks an image's size and data length.
 * @throws {InputError} when the image is empty or its data length does not match height × width × 3.
 */
export function checkImage(image: DecodedImage): void {
  const { width, height, data } = image;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new InputError(`image size ${width}x${height} is invalid: width and height must be positive integers`);
  }
  if (data.length !== width * height * 3) {
    throw new InputError(`image data holds ${data.length} bytes, but ${width}x${height} RGB needs ${width * height * 3}`);
  }
}

/**
 * Resize `image` to `height`×`width` with `method`; values in the method's domain ({@link RESIZE_DOMAIN}).
 * @throws {InputError} for a malformed image or a non-positive size.
 */
export function resizeImage(image: DecodedImage, method: ResizeMethod, height: number, width: number): PlanarImage {
  checkImage(image);
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) throw new InputError(`resize to ${width}x${height}: the size must be positive integers`);
  const out = new Float32Array(3 * height * width);
  switch (method) {
    case 'tf-bilinear':
      tf1Bilinear(image, height, width, out);
      break;
    case 'torch-bilinear':
      torchBilinear(image, height, width, out);
      break;
    case 'pil-bicubic':
      pilResample(image, height, width, PIL_BICUBIC, out);
      break;
    case 'pil-bilinear':
      pilResample(image, height, width, PIL_BILINEAR, out);
      break;
    case 'pil-bicubic-u8':
      return planarImage(pilResizeU8(image, height, width, PIL_BICUBIC), '0,255');
    case 'pil-bilinear-u8':
      return planarImage(pilResizeU8(image, height, width, PIL_BILINEAR), '0,255');
    case 'torch-bicubic':
    case 'torch-bicubic-aa': {
      const antialias = method === 'torch-bicubic-aa';
      const src = planarImage(image, RESIZE_DOMAIN[method]).data;
      return { data: torchBicubic(src, 3, image.height, image.width, height, width, antialias), width, height };
    }
    default:
      throw new InputError(`unknown resize method '${String(method)}': expected one of ${RESIZE_METHODS.join(', ')}`);
  }
  return { data: out, width, height };
}

/** The image itself as a planar float32 image in `domain` (no resize). */
export function planarImage(image: DecodedImage, domain: '0,255' | '0,1'): PlanarImage {
  checkImage(image);
  const { width, height, data } = image;
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) out[c * plane + p] = domain === '0,1' ? UNIT_LUT[data[3 * p + c]] : data[3 * p + c];
  return { data: out, width, height };
}

/**
 * OpenAI CLIP's image preprocessing up to `ToTensor` (`clip.load(…)[1]`, `_transform(size)`):
 * torchvision's `Resize(size, BICUBIC)` — the shorter side to `size`, the longer to
 * `int(size · long / short)`, by Pillow's 8-bit bicubic ({@link pilResizeU8}) — then
 * `CenterCrop(size)` ({@link centerCrop}). Values 0..255 (integers); CLIP then divides by 255 and
 * normalises with its own mean and std. With size 224 and 336 this is the input of ViT-B/32,
 * ViT-L/14 and ViT-L/14@336.
 * @throws {InputError} for a malformed image or a size that is not a positive integer.
 */
export function clipResizeCrop(image: DecodedImage, size: number): PlanarImage {
  checkImage(image);
  if (!(Number.isInteger(size) && size > 0)) throw new InputError(`resize to ${size}: the size must be a positive integer`);
  const [h, w] = shorterSideSize(image.height, image.width, size);
  const resized = h === image.height && w === image.width ? image : pilResizeU8(image, h, w, PIL_BICUBIC);
  return planarImage(centerCrop(resized, size, size), '0,255');
}

/**
 * CMMD's image loading (google-research `cmmd/io_util.py`, `_center_crop_and_resize`, which the
 * PyTorch port keeps): the centred square of side `l = min(W, H)` at offsets `((W − l) // 2,
 * (H − l) // 2)` — floor, unlike torchvision's `CenterCrop` — then Pillow's 8-bit bicubic resize to
 * `size`×`size` ({@link pilResizeU8}). Values 0..255 (integers); CMMD then divides by 255. Its
 * second, torch/JAX bicubic resize to the same size changes nothing (torch's is the identity there).
 * @throws {InputError} for a malformed image or a size that is not a positive integer.
 */
export function cmmdResizeCrop(image: DecodedImage, size: number): PlanarImage {
  checkImage(image);
  if (!(Number.isInteger(size) && size > 0)) throw new InputError(`resize to ${size}: the size must be a positive integer`);
  const side = Math.min(image.width, image.height);
  const top = Math.floor((image.height - side) / 2);
  const left = Math.floor((image.width - side) / 2);
  const square = new Uint8Array(side * side * 3);
  for (let y = 0; y < side; y++) square.set(image.data.subarray(((y + top) * image.width + left) * 3, ((y + top) * image.width + left + side) * 3), y * side * 3);
  return planarImage(pilResizeU8({ data: square, width: side, height: side }, size, size, PIL_BICUBIC), '0,255');
}

/**
 * The size torchvision's `Resize(size)` (one int) gives an image of `height`×`width`: the shorter side
 * becomes `size`, the longer `int(size · long / short)` (truncated, in double precision as Python).
 */
export function shorterSideSize(height: number, width: number, size: number): [number, number] {
  if (width <= height) return [Math.trunc((size * height) / width), size];
  return [size, Math.trunc((size * width) / height)];
}

/**
 * torchvision's `CenterCrop((height, width))` of an 8-bit RGB image (torchvision 0.14
 * `F.center_crop`): offsets `int(round((H − height) / 2.0))` with Python's round-half-to-even; an
 * image smaller than the crop is first padded with zeros, `(crop − size) // 2` before and the rest
 * after, on each short axis.
 */
export function centerCrop(image: DecodedImage, height: number, width: number): DecodedImage {
  checkImage(image);
  let img = image;
  if (width > img.width || height > img.height) {
    const left = width > img.width ? Math.floor((width - img.width) / 2) : 0;
    const top = height > img.height ? Math.floor((height - img.height) / 2) : 0;
    const padW = Math.max(width, img.width);
    const padH = Math.max(height, img.height);
    const padded = new Uint8Array(padW * padH * 3);
    for (let y = 0; y < img.height; y++) padded.set(img.data.subarray(y * img.width * 3, (y + 1) * img.width * 3), ((y + top) * padW + left) * 3);
    img = { data: padded, width: padW, height: padH };
  }
  const top = roundHalfEven((img.height - height) / 2);
  const left = roundHalfEven((img.width - width) / 2);
  if (top === 0 && left === 0 && height === img.height && width === img.width) return img;
  const out = new Uint8Array(height * width * 3);
  for (let y = 0; y < height; y++) out.set(img.data.subarray(((y + top) * img.width + left) * 3, ((y + top) * img.width + left + width) * 3), y * width * 3);
  return { data: out, width, height };
}

/** Python 3's `round` of a half-integer or integer: halves go to the even neighbour. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const f32 = Math.fround;

/**
 * TF1 `resize_bilinear` (align_corners=False, half_pixel_centers=False), torch-fidelity's
 * `interpolate_bilinear_2d_like_tensorflow1x`: source coordinate `i·s` with `s = in/out`, all
 * in float32, lerp along x then y, every operation rounded to float32.
 */
function tf1Bilinear(image: DecodedImage, outH: number, outW: number, out: Float32Array): void {
  const { width, height, data } = image;
  const xs = tf1Axis(width, outW);
  const ys = tf1Axis(height, outH);
  const plane = outH * outW;
  for (let oy = 0; oy < outH; oy++) {
    const rowLo = ys.lo[oy] * width * 3;
    const rowHi = ys.hi[oy] * width * 3;
    const fy = ys.frac[oy];
    for (let ox = 0; ox < outW; ox++) {
      const lo = xs.lo[ox] * 3;
      const hi = xs.hi[ox] * 3;
      const fx = xs.frac[ox];
      const o = oy * outW + ox;
      for (let c = 0; c < 3; c++) {
        // Pixel values are integers, so the differences are exact; products and sums round.
        const tl = data[rowLo + lo + c];
        const bl = data[rowHi + lo + c];
        const top = f32(tl + f32((data[rowLo + hi + c] - tl) * fx));
        const bottom = f32(bl + f32((data[rowHi + hi + c] - bl) * fx));
        out[o + c * plane] = f32(top + f32(f32(bottom - top) * fy));
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
export const UNIT_LUT = Float32Array.from({ length: 256 }, (_, v) => v / 255);

/**
 * PyTorch 1.13 `F.interpolate(mode='bilinear', align_corners=False)` on `v/255` (pytorch-fid):
 * `src = max(0, scale·(d + 0.5) − 0.5)` with `scale = float32(in/out)`, weights in float32,
 * `l0y·(l0x·a + l1x·b) + l1y·(l0x·c + l1x·d)` in float32. PyTorch's AVX2 kernel is compiled with
 * contracted multiply-adds: each `w0·p + w1·q` is `fma(w0, p, float32(w1·q))`. Only that order
 * reproduces the fixture inputs bit for bit (plain float32 arithmetic is off by 1 ulp in ~5 % of
 * the values).
 */
function torchBilinear(image: DecodedImage, outH: number, outW: number, out: Float32Array): void {
  const { width, height, data } = image;
  const xs = torchAxis(width, outW);
  const ys = torchAxis(height, outH);
  const plane = outH * outW;
  for (let oy = 0; oy < outH; oy++) {
    const row0 = ys.i0[oy] * width * 3;
    const row1 = ys.i1[oy] * width * 3;
    const w0y = ys.w0[oy];
    const w1y = ys.w1[oy];
    for (let ox = 0; ox < outW; ox++) {
      const x0 = xs.i0[ox] * 3;
      const x1 = xs.i1[ox] * 3;
      const w0x = xs.w0[ox];
      const w1x = xs.w1[ox];
      const o = oy * outW + ox;
      for (let c = 0; c < 3; c++) {
        const top = fmaF32(w0x, UNIT_LUT[data[row0 + x0 + c]], f32(w1x * UNIT_LUT[data[row0 + x1 + c]]));
        const bottom = fmaF32(w0x, UNIT_LUT[data[row1 + x0 + c]], f32(w1x * UNIT_LUT[data[row1 + x1 + c]]));
        out[o + c * plane] = fmaF32(w0y, top, f32(w1y * bottom));
      }
    }
  }
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
 * Pillow's resize of a float ('F') image, per channel — clean-fid's `clean` resize: horizontal pass
 * (only if the width changes) stored as float32, then vertical (only if the height changes), each
 * output accumulated in double and stored as float32 — then clipped to 0..255, not quantised.
 */
function pilResample(image: DecodedImage, outH: number, outW: number, filter: PilFilter, out: Float32Array): void {
  const { width, height, data } = image;
  const plane = outH * outW;
  // Horizontal pass: height × outW per channel (planar), or the source itself when the width is already outW.
  const horizontal = new Float32Array(3 * height * outW);
  if (width === outW) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < outW; x++) {
        for (let c = 0; c < 3; c++) horizontal[c * height * outW + y * outW + x] = data[(y * width + x) * 3 + c];
      }
    }
  } else {
    const ax = pilAxis(width, outW, filter);
    for (let y = 0; y < height; y++) {
      const row = y * width * 3;
      for (let x = 0; x < outW; x++) {
        const first = ax.start[x];
        const n = ax.count[x];
        const w = x * ax.stride;
        for (let c = 0; c < 3; c++) {
          let acc = 0;
          for (let j = 0; j < n; j++) acc += data[row + (first + j) * 3 + c] * ax.weights[w + j];
          horizontal[c * height * outW + y * outW + x] = acc;
        }
      }
    }
  }
  // Vertical pass, clip.
  const ay = height === outH ? undefined : pilAxis(height, outH, filter);
  for (let c = 0; c < 3; c++) {
    const src = c * height * outW;
    for (let y = 0; y < outH; y++) {
      for (let x = 0; x < outW; x++) {
        let v: number;
        if (ay === undefined) {
          v = horizontal[src + y * outW + x];
        } else {
          const first = ay.start[y];
          const n = ay.count[y];
          const w = y * ay.stride;
          let acc = 0;
          for (let j = 0; j < n; j++) acc += horizontal[src + (first + j) * outW + x] * ay.weights[w + j];
          v = f32(acc);
        }
        out[c * plane + y * outW + x] = Math.min(255, Math.max(0, v));
      }
    }
  }
}
