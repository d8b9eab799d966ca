/**
 * @file The decoded-image type every decoder returns (8-bit RGB, HWC) and the pixel-count limit they
 * all enforce before allocating. Shared by `images.ts` (sharp) and the small `pnm.ts`/`bmp.ts` decoders.
 */

import { InputError } from '../core/errors.js';

/** An 8-bit RGB image, row-major height × width × 3 (HWC), as Pillow's `convert('RGB')` gives. */
export interface DecodedImage {
  readonly data: Uint8Array;
  readonly height: number;
  readonly width: number;
}

/** Default limit on width × height: larger images are refused before decoding (memory safety). */
export const MAX_IMAGE_PIXELS = 100_000_000;

/**
 * Refuse an image whose width × height exceeds `maxPixels`, before any pixel memory is allocated.
 *
 * @throws {InputError} naming the file, its size and the limit.
 */
export function checkPixelLimit(width: number, height: number, maxPixels: number, name: string): void {
  if (width * height > maxPixels) {
    throw new InputError(
      `${name} is ${width}x${height} = ${formatPixels(width * height)}, over the limit of ${formatPixels(maxPixels)}: ` +
        'downscale it first (the Inception network only sees 299x299)',
    );
  }
}

function formatPixels(pixels: number): string {
  if (pixels < 1e6) return `${pixels} pixels`;
  return `${(pixels / 1e6).toFixed(2).replace(/\.?0+$/, '')} megapixels`;
}
