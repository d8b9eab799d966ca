/**
 * @file Windows BMP decoder to 8-bit RGB, matching Pillow 9.4's BmpImagePlugin followed by
 * `convert('RGB')`. The prebuilt sharp has no BMP loader and pytorch-fid lists `bmp` among its image
 * extensions, so fidkit reads the common layouts itself:
 * - headers: BITMAPCOREHEADER (12 bytes) and BITMAPINFOHEADER and its V2–V5 extensions (40–124);
 * - uncompressed 1/4/8-bit palettes, 24-bit BGR, 32-bit BGRX (the 4th byte is ignored, as Pillow does
 *   for uncompressed 32-bit), and BI_BITFIELDS 16-bit 5-5-5 / 5-6-5 and 32-bit with the masks Pillow
 *   accepts; Pillow's 5/6-bit expansion `v·255/max` uses integer division;
 * - bottom-up rows (positive height) and top-down (negative height); rows padded to 4 bytes.
 * RLE-compressed, JPEG/PNG-in-BMP and unusual bitfields are refused with a hint to convert the file.
 */

import { FormatError } from '../core/errors.js';
import { checkPixelLimit, type DecodedImage } from './decoded-image.js';

/** True when `bytes` start with the BMP signature "BM". */
export function isBmp(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d;
}

/** Channel order of a 32-bit BI_BITFIELDS layout Pillow accepts: byte index of R, G, B in each pixel. */
const MASKS_32: ReadonlyArray<{ masks: [number, number, number, number]; r: number; g: number; b: number }> = [
  { masks: [0xff0000, 0xff00, 0xff, 0], r: 2, g: 1, b: 0 }, // BGRX
  { masks: [0xff000000, 0xff0000, 0xff00, 0], r: 3, g: 2, b: 1 }, // XBGR
  { masks: [0xff000000, 0xff0000, 0xff00, 0xff], r: 3, g: 2, b: 1 }, // ABGR
  { masks: [0xff, 0xff00, 0xff0000, 0xff000000], r: 0, g: 1, b: 2 }, // RGBA
  { masks: [0xff0000, 0xff00, 0xff, 0xff000000], r: 2, g: 1, b: 0 }, // BGRA
  { masks: [0, 0, 0, 0], r: 2, g: 1, b: 0 }, // BGRA
];

/**
 * Decode a BMP file to RGB as Pillow 9.4 + `convert('RGB')` does.
 *
 * @throws {FormatError} on an unsupported header, depth or compression, or truncated data, naming `name`.
 * @throws {InputError} when width × height exceeds `maxPixels`.
 */
export function decodeBmp(bytes: Uint8Array, name: string, maxPixels: number): DecodedImage {
  const bad = (why: string) => new FormatError(`cannot decode ${name}: ${why} (BMP)`);
  const unsupported = (why: string) =>
    new FormatError(`cannot decode ${name}: unsupported BMP (${why}): convert it to PNG`);
  if (bytes.length < 26) throw bad('file truncated in the header: the file is corrupt; re-export it or remove it');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dataOffset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  let width: number;
  let height: number;
  let bits: number;
  let compression = 0;
  let colors = 0;
  let paletteEntry = 4;
  let topDown = false;
  let masks: [number, number, number, number] = [0, 0, 0, 0];
  if (headerSize === 12) {
    width = view.getUint16(18, true);
    height = view.getUint16(20, true);
    bits = view.getUint16(24, true);
    paletteEntry = 3;
  } else if (headerSize === 40 || headerSize === 52 || headerSize === 56 || headerSize === 64 || headerSize === 108 || headerSize === 124) {
    if (bytes.length < 14 + headerSize) throw bad('file truncated in the header');
    width = view.getInt32(18, true);
    height = view.getInt32(22, true);
    if (height < 0) {
      topDown = true;
      height = -height;
    }
    bits = view.getUint16(28, true);
    compression = view.getUint32(30, true);
    colors = view.getUint32(46, true);
    if (compression === 3) {
      if (headerSize >= 52) {
        masks = [view.getUint32(54, true), view.getUint32(58, true), view.getUint32(62, true), headerSize >= 56 ? view.getUint32(66, true) : 0];
      } else {
        if (bytes.length < 66) throw bad('file truncated in the bitfield masks');
        masks = [view.getUint32(54, true), view.getUint32(58, true), view.getUint32(62, true), 0];
      }
    }
  } else {
    throw unsupported(`header size ${headerSize}`);
  }
  if (width <= 0 || height <= 0) throw bad(`invalid size ${width}x${height}`);
  checkPixelLimit(width, height, maxPixels, name);
  if (compression === 1 || compression === 2) throw unsupported('RLE compression');
  if (compression !== 0 && compression !== 3) throw unsupported(`compression ${compression}`);
  if (![1, 4, 8, 16, 24, 32].includes(bits)) throw unsupported(`${bits} bits per pixel`);

  const n = width * height;
  const rgb = new Uint8Array(n * 3);
  const rowBytes = ((width * bits + 31) >> 3) & ~3;
  if (dataOffset + rowBytes * height > bytes.length) {
    throw bad('pixel data truncated: the file is corrupt or truncated; re-export it or remove it');
  }
  const rowStart = (y: number) => dataOffset + (topDown ? y : height - 1 - y) * rowBytes;

  if (bits <= 8) {
    if (compression !== 0) throw unsupported('bitfields on a palette image');
    const count = colors || 1 << bits;
    if (count > 65536) throw unsupported(`palette of ${count} colours`);
    const palStart = 14 + headerSize;
    const palette = new Uint8Array(256 * 3); // indices beyond the palette read as black, as in Pillow
    for (let i = 0; i < Math.min(count, 256); i++) {
      const p = palStart + i * paletteEntry;
      if (p + 3 > bytes.length) break;
      palette[3 * i] = bytes[p + 2];
      palette[3 * i + 1] = bytes[p + 1];
      palette[3 * i + 2] = bytes[p];
    }
    const perByte = 8 / bits;
    const mask = (1 << bits) - 1;
    for (let y = 0; y < height; y++) {
      const row = rowStart(y);
      for (let x = 0; x < width; x++) {
        const byte = bytes[row + Math.floor(x / perByte)];
        const index = (byte >> (8 - bits * ((x % perByte) + 1))) & mask;
        const o = 3 * (y * width + x);
        rgb[o] = palette[3 * index];
        rgb[o + 1] = palette[3 * index + 1];
        rgb[o + 2] = palette[3 * index + 2];
      }
    }
  } else if (bits === 16) {
    // 16-bit without bitfields is 5-5-5 (Pillow's default "BGR;15").
    let green6 = false;
    if (compression === 3) {
      if (masks[0] === 0xf800 && masks[1] === 0x7e0 && masks[2] === 0x1f) green6 = true;
      else if (!(masks[0] === 0x7c00 && masks[1] === 0x3e0 && masks[2] === 0x1f)) throw unsupported('16-bit bitfields layout');
    }
    for (let y = 0; y < height; y++) {
      const row = rowStart(y);
      for (let x = 0; x < width; x++) {
        const v = bytes[row + 2 * x] | (bytes[row + 2 * x + 1] << 8);
        const o = 3 * (y * width + x);
        if (green6) {
          rgb[o] = Math.trunc((((v >> 11) & 31) * 255) / 31);
          rgb[o + 1] = Math.trunc((((v >> 5) & 63) * 255) / 63);
        } else {
          rgb[o] = Math.trunc((((v >> 10) & 31) * 255) / 31);
          rgb[o + 1] = Math.trunc((((v >> 5) & 31) * 255) / 31);
        }
        rgb[o + 2] = Math.trunc(((v & 31) * 255) / 31);
      }
    }
  } else {
    let r = 2;
    let g = 1;
    let b = 0;
    if (compression === 3) {
      const layout =
        bits === 32
          ? MASKS_32.find((m) => m.masks.every((v, i) => v === masks[i]))
          : masks[0] === 0xff0000 && masks[1] === 0xff00 && masks[2] === 0xff
            ? { r: 2, g: 1, b: 0 }
            : undefined;
      if (!layout) throw unsupported(`${bits}-bit bitfields layout`);
      ({ r, g, b } = layout);
    }
    const step = bits / 8;
    for (let y = 0; y < height; y++) {
      const row = rowStart(y);
      for (let x = 0; x < width; x++) {
        const p = row + step * x;
        const o = 3 * (y * width + x);
        rgb[o] = bytes[p + r];
        rgb[o + 1] = bytes[p + g];
        rgb[o + 2] = bytes[p + b];
      }
    }
  }
  return { data: rgb, height, width };
}
