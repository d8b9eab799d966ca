/**
 * @file Image decoding to uint8 RGB, height × width × 3 (HWC), bit-exact with what pytorch-fid,
 * torch-fidelity and clean-fid feed their networks: Pillow's `Image.open(f).convert('RGB')`
 * (Pillow 9.4, the version behind the fixtures).
 *
 * What `convert('RGB')` does, and how this module reproduces it with sharp (libvips):
 * - grayscale (1/2/4/8-bit) is replicated into three channels;
 * - alpha (RGBA, LA, tRNS) is DROPPED, not composited onto a background (a transparent pixel keeps
 *   the RGB values stored under it);
 * - palettes are expanded;
 * - 16-bit grayscale opens as Pillow mode `I` and is CLIPPED to 0..255 (1000 → 255), not scaled; 16-bit
 *   RGB(A) and gray+alpha keep the high byte (`v >> 8`). sharp would scale, so we ask it for raw
 *   16-bit samples and reduce them here;
 * - CMYK (JPEG/TIFF) uses Pillow's integer formula `R = (255 − K)(1 − C/255)`, not an ICC transform;
 * - embedded ICC profiles are ignored and EXIF orientation is NOT applied (Pillow does neither).
 *
 * Pixel-exact against the fixture `fixtures/inception-fid/set_{a,b}/decoded_rgb/*.npy` (all 24 PNGs).
 * JPEG decoding differences against Pillow are measured in `docs/jpeg.md`. PNM (PBM/PGM/PPM) and BMP,
 * which the prebuilt sharp cannot read, go through the small decoders in `./pnm.ts` and `./bmp.ts`.
 */

import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { FormatError } from '../core/errors.js';
import { decodeBmp, isBmp } from './bmp.js';
import { readInputFile } from './read-input.js';
import { checkPixelLimit, MAX_IMAGE_PIXELS, type DecodedImage } from './decoded-image.js';
import { decodePnm, isPnm } from './pnm.js';

export { MAX_IMAGE_PIXELS, type DecodedImage } from './decoded-image.js';

/** Options of {@link decodeImage}. */
export interface DecodeOptions {
  /** Name used in error messages when decoding bytes (a path is named by itself). */
  readonly name?: string;
  /** Largest accepted width × height; default {@link MAX_IMAGE_PIXELS} (100 megapixels). */
  readonly maxPixels?: number;
}

/** sharp's colour spaces that we read without any conversion, and how to reduce them to RGB. */
const NATIVE_SPACES = new Set(['b-w', 'grey16', 'srgb', 'rgb16', 'cmyk']);

/**
 * Decode an image file or its bytes to 8-bit RGB, exactly as Pillow's `Image.open(f).convert('RGB')`.
 *
 * @example
 * const { data, height, width } = await decodeImage('cat.png'); // data.length === height * width * 3
 * @throws {FidkitError} `E_NOT_FOUND` when the path does not exist; `E_INPUT` when it cannot be read
 *   (permissions, a folder) or is larger than `maxPixels`; {@link FormatError} (`E_FORMAT`) for a
 *   0-byte, truncated or corrupt file, a non-image with an image extension, or an unsupported pixel format.
 */
export async function decodeImage(input: string | Uint8Array, options: DecodeOptions = {}): Promise<DecodedImage> {
  const name = typeof input === 'string' ? input : (options.name ?? 'image data');
  const maxPixels = options.maxPixels ?? MAX_IMAGE_PIXELS;
  const bytes = typeof input === 'string' ? await readInputFile(input, 'image') : input;
  if (bytes.length === 0) {
    throw new FormatError(`${name} is empty (0 bytes), not an image: remove it or replace it with the real file`);
  }
  if (isPnm(bytes)) return checked(decodePnm(bytes, name, maxPixels), name);
  if (isBmp(bytes)) return checked(decodeBmp(bytes, name, maxPixels), name);
  return decodeWithSharp(bytes, name, maxPixels);
}

function checked(image: DecodedImage, name: string): DecodedImage {
  if (image.data.length !== image.height * image.width * 3) {
    throw new Error(`internal: decoder returned ${image.data.length} bytes for ${image.width}x${image.height} (${name})`);
  }
  return image;
}

function corrupt(name: string, err: unknown): FormatError {
  // libvips may end a message with a colon and no detail ("Input buffer has corrupt header:"): drop
  // it, or the message below would read "header:: the file is corrupt".
  const why = String((err as Error)?.message ?? err)
    .split('\n')[0]
    .trim()
    .replace(/[\s:]+$/, '');
  return new FormatError(
    `cannot decode ${name}: ${why}: the file is corrupt, truncated or not an image; re-export it or remove it`,
    { cause: err },
  );
}

async function decodeWithSharp(bytes: Uint8Array, name: string, maxPixels: number): Promise<DecodedImage> {
  // ignoreIcc: Pillow never applies embedded profiles. autoOrient false: Pillow ignores EXIF
  // orientation. failOn 'error': fail on truncated/corrupt data as Pillow does, but accept the
  // warnings Pillow accepts too (e.g. libjpeg's "extraneous bytes before marker").
  const opts = { ignoreIcc: true, autoOrient: false, failOn: 'error', limitInputPixels: maxPixels, pages: 1 } as const;
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { ...opts, limitInputPixels: false }).metadata();
  } catch (err) {
    throw corrupt(name, err);
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  checkPixelLimit(width, height, maxPixels, name);
  const space = meta.space ?? '';
  if (!NATIVE_SPACES.has(space) || (meta.depth !== 'uchar' && meta.depth !== 'ushort')) {
    throw new FormatError(
      `cannot decode ${name}: unsupported pixel format (${meta.format}, ${space || 'unknown'} ${meta.depth ?? ''}, ` +
        `${meta.channels} channels): convert it to 8-bit RGB or grayscale PNG`,
    );
  }
  const wide = meta.depth === 'ushort';
  let raw: { data: Buffer; info: OutputInfo };
  try {
    let pipeline = sharp(bytes, opts);
    // Asking for the input's own colour space makes sharp skip every conversion (including
    // CMYK → sRGB through its built-in profile, which Pillow does not do).
    if (space === 'cmyk') pipeline = pipeline.pipelineColourspace('cmyk');
    raw = await pipeline
      .toColourspace(space)
      .raw({ depth: wide ? 'ushort' : 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw corrupt(name, err);
  }
  const { info } = raw;
  if (info.width !== width || info.height !== height) {
    throw corrupt(name, new Error(`size changed while decoding (${width}x${height} → ${info.width}x${info.height})`));
  }
  const n = width * height;
  const channels = info.channels;
  const samples = wide ? asUint16(raw.data) : raw.data;
  if (samples.length !== n * channels) {
    throw corrupt(name, new Error(`expected ${n * channels} samples, got ${samples.length}`));
  }
  const rgb = new Uint8Array(n * 3);
  if (space === 'cmyk') {
    if (channels < 4) throw corrupt(name, new Error(`CMYK image with ${channels} channels`));
    cmykToRgb(samples, channels, wide, rgb);
  } else if (channels <= 2) {
    // 16-bit gray is Pillow mode I, whose RGB conversion clips to 255; 16-bit gray with an alpha
    // channel (PNG colour type 4) opens as "LA;16B", which keeps the high byte. A 16-bit gray PNG with
    // a tRNS chunk is still mode I (clip), although libvips adds an alpha band for it.
    const clip = wide && (channels === 1 || (meta.format === 'png' && bytes[25] !== 4));
    const shift = wide && !clip ? 8 : 0;
    for (let i = 0, j = 0; i < n; i++, j += channels) {
      const v = samples[j] >> shift;
      const g = clip && v > 255 ? 255 : v;
      rgb[3 * i] = g;
      rgb[3 * i + 1] = g;
      rgb[3 * i + 2] = g;
    }
  } else {
    // RGB (+ alpha, dropped): 16-bit keeps the high byte, as Pillow's "RGB;16B" unpacker does.
    const shift = wide ? 8 : 0;
    for (let i = 0, j = 0; i < n; i++, j += channels) {
      rgb[3 * i] = samples[j] >> shift;
      rgb[3 * i + 1] = samples[j + 1] >> shift;
      rgb[3 * i + 2] = samples[j + 2] >> shift;
    }
  }
  return { data: rgb, height, width };
}

/**
 * Pillow's CMYK → RGB (`cmyk2rgb` in libImaging/Convert.c, Pillow 9.4): with nk = 255 − K,
 * R = nk − round(C·nk/255) in Pillow's integer MULDIV255, likewise G from M and B from Y. No ICC
 * profile is involved. The samples are CMYK as stored after undoing Adobe's inversion.
 */
function cmykToRgb(samples: Uint8Array | Uint16Array, channels: number, wide: boolean, rgb: Uint8Array): void {
  const shift = wide ? 8 : 0;
  for (let i = 0, j = 0; j < samples.length; i++, j += channels) {
    const nk = 255 - (samples[j + 3] >> shift);
    for (let c = 0; c < 3; c++) {
      const t = (samples[j + c] >> shift) * nk + 128;
      rgb[3 * i + c] = nk - ((t + (t >> 8)) >> 8);
    }
  }
}

function asUint16(buf: Buffer): Uint16Array {
  if (buf.byteOffset % 2 === 0) return new Uint16Array(buf.buffer, buf.byteOffset, buf.length >> 1);
  const copy = new Uint8Array(buf.length);
  copy.set(buf);
  return new Uint16Array(copy.buffer, 0, buf.length >> 1);
}
