/**
 * @file Netpbm decoder (PBM/PGM/PPM: P1–P6) to 8-bit RGB, matching Pillow 9.4's PpmImagePlugin
 * followed by `convert('RGB')`. The prebuilt sharp has no PPM loader, and pytorch-fid lists `ppm`
 * and `pgm` among its image extensions, so fidkit reads them itself.
 *
 * Pillow's rules, reproduced here: bitmaps (P1/P4) give 0 or 255, with 1 = black; a sample is scaled
 * as `round(v / maxval · 255)` (Python's round, half to even) when maxval ≠ 255; a graymap with
 * maxval > 255 becomes mode `I` scaled to 0..65535 and `convert('RGB')` then CLIPS it to 255; 16-bit
 * pixmaps are scaled to 0..255. Truncated data is an error (Pillow: "image file is truncated").
 */

import { FormatError } from '../core/errors.js';
import { checkPixelLimit, type DecodedImage } from './decoded-image.js';

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d]);

/** True when `bytes` start with a Netpbm magic number P1…P6. */
export function isPnm(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x50 && bytes[1] >= 0x31 && bytes[1] <= 0x36 && (bytes.length === 2 || WHITESPACE.has(bytes[2]));
}

/** Python's `round()` for non-negative values: half to even. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * Decode a Netpbm image (P1–P6) to RGB as Pillow 9.4 + `convert('RGB')` does.
 *
 * @throws {FormatError} on a malformed header, a sample above maxval, or truncated data, naming `name`.
 * @throws {InputError} when width × height exceeds `maxPixels`.
 */
export function decodePnm(bytes: Uint8Array, name: string, maxPixels: number): DecodedImage {
  const kind = bytes[1] - 0x30; // 1..6
  let pos = 2;
  const bad = (why: string) =>
    new FormatError(`cannot decode ${name}: ${why} (Netpbm P${kind}): the file is corrupt or truncated; re-export it or remove it`);

  // Header tokens: whitespace-separated decimals, '#' comments to end of line.
  const token = (): number => {
    let text = '';
    while (pos < bytes.length) {
      const c = bytes[pos++];
      if (c === 0x23) {
        while (pos < bytes.length && bytes[pos] !== 0x0a && bytes[pos] !== 0x0d) pos++;
        continue;
      }
      if (WHITESPACE.has(c)) {
        if (text) break;
        continue;
      }
      text += String.fromCharCode(c);
      if (text.length > 10) throw bad('header token too long');
    }
    if (!/^\d+$/.test(text)) throw bad(text ? `bad header value "${text}"` : 'header ends early');
    return Number(text);
  };

  const width = token();
  const height = token();
  if (width === 0 || height === 0) throw bad(`zero size ${width}x${height}`);
  checkPixelLimit(width, height, maxPixels, name);
  const bitmap = kind === 1 || kind === 4;
  const maxval = bitmap ? 1 : token();
  if (maxval < 1 || maxval > 65535) throw bad(`maxval ${maxval} outside 1..65535`);
  const bands = kind === 3 || kind === 6 ? 3 : 1;
  const n = width * height;
  const rgb = new Uint8Array(n * 3);
  const samples = new Uint8Array(n * bands);

  if (kind === 4) {
    const rowBytes = (width + 7) >> 3;
    if (bytes.length - pos < rowBytes * height) throw bad('pixel data truncated');
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const bit = (bytes[pos + y * rowBytes + (x >> 3)] >> (7 - (x & 7))) & 1;
        samples[y * width + x] = bit ? 0 : 255;
      }
    }
  } else if (kind === 1) {
    // Plain bitmap: digits 0/1 need no separators.
    let i = 0;
    while (i < n && pos < bytes.length) {
      const c = bytes[pos++];
      if (c === 0x23) {
        while (pos < bytes.length && bytes[pos] !== 0x0a && bytes[pos] !== 0x0d) pos++;
      } else if (c === 0x30 || c === 0x31) {
        samples[i++] = c === 0x31 ? 0 : 255;
      } else if (!WHITESPACE.has(c)) {
        throw bad(`invalid character "${String.fromCharCode(c)}" in bitmap data`);
      }
    }
    if (i < n) throw bad('pixel data truncated');
  } else {
    // Mode I (graymap, maxval > 255) scales to 0..65535 and convert('RGB') clips; otherwise 0..255.
    const outMax = bands === 1 && maxval > 255 ? 65535 : 255;
    const scale = (v: number): number => {
      if (v > maxval) throw bad(`sample ${v} above maxval ${maxval}`);
      const s = maxval === outMax ? v : Math.min(outMax, roundHalfEven((v / maxval) * outMax));
      return s > 255 ? 255 : s;
    };
    const total = n * bands;
    if (kind === 5 || kind === 6) {
      const wide = maxval > 255;
      const need = total * (wide ? 2 : 1);
      if (bytes.length - pos < need) throw bad('pixel data truncated');
      for (let i = 0; i < total; i++) {
        const v = wide ? (bytes[pos + 2 * i] << 8) | bytes[pos + 2 * i + 1] : bytes[pos + i];
        samples[i] = scale(v);
      }
    } else {
      let i = 0;
      while (i < total) {
        let text = '';
        while (pos < bytes.length) {
          const c = bytes[pos++];
          if (c === 0x23) {
            while (pos < bytes.length && bytes[pos] !== 0x0a && bytes[pos] !== 0x0d) pos++;
            if (text) break;
            continue;
          }
          if (WHITESPACE.has(c)) {
            if (text) break;
            continue;
          }
          text += String.fromCharCode(c);
        }
        if (!text) throw bad('pixel data truncated');
        if (!/^\d{1,10}$/.test(text)) throw bad(`bad sample "${text.slice(0, 12)}"`);
        samples[i++] = scale(Number(text));
      }
    }
  }

  if (bands === 3) {
    rgb.set(samples);
  } else {
    for (let i = 0; i < n; i++) {
      const g = samples[i];
      rgb[3 * i] = g;
      rgb[3 * i + 1] = g;
      rgb[3 * i + 2] = g;
    }
  }
  return { data: rgb, height, width };
}
