/**
 * The resizes the ViT presets need (features/resize.ts), bit for bit against their references run in
 * Python (scripts/make-vit-resize-fixtures.py): Pillow 9.4's 8-bit RGB resize (`pil-bicubic-u8`,
 * `pil-bilinear-u8`) and OpenAI CLIP's `Resize(n, BICUBIC)` + `CenterCrop(n)` through torchvision
 * 0.14 (`clipResizeCrop`) and CMMD's square crop + Pillow resize (`cmmdResizeCrop`), shrinking and
 * enlarging, square and not, to 224 and 336, with odd size differences where torchvision's
 * round-half-even crop offset and CMMD's floor differ: the SHA-256 of each float32 planar output must
 * match, so one grey level anywhere fails.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DecodedImage } from '../../src/io/decoded-image.js';
import { centerCrop, clipResizeCrop, cmmdResizeCrop, resizeImage, shorterSideSize, type PlanarImage, type ResizeMethod } from '../../src/features/resize.js';
import { fixtureImage, type FixtureSet } from './inception/fixtures.js';

const expected = JSON.parse(readFileSync('fixtures/resize/pil-u8-expected.json', 'utf8'));

function sha256(out: PlanarImage): string {
  return createHash('sha256').update(new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength)).digest('hex');
}

/** The top-left height×width of an image (the fixture script's `img[:h, :w]`), or the image. */
function topLeft(image: DecodedImage, crop?: [number, number]): DecodedImage {
  if (!crop) return image;
  const [h, w] = crop;
  const data = new Uint8Array(h * w * 3);
  for (let y = 0; y < h; y++) data.set(image.data.subarray(y * image.width * 3, (y * image.width + w) * 3), y * w * 3);
  return { data, height: h, width: w };
}

describe('Pillow 8-bit resize and the CLIP resize + crop vs Pillow/torchvision, bit for bit', () => {
  for (const [name, c] of Object.entries<any>(expected.cases)) {
    it(name, async () => {
      const image = topLeft(await fixtureImage(c.set as FixtureSet, c.file), c.crop);
      const out =
        c.method === 'clip' ? clipResizeCrop(image, c.size) : c.method === 'cmmd' ? cmmdResizeCrop(image, c.size) : resizeImage(image, c.method as ResizeMethod, c.height, c.width);
      const [h, w] = c.size ? [c.size, c.size] : [c.height, c.width];
      expect([out.height, out.width]).toEqual([h, w]);
      expect(Array.from(out.data.subarray(0, 6))).toEqual(c.first);
      expect(sha256(out)).toBe(c.sha256);
    });
  }

  it('covers both filters, upsampling and downsampling in each axis, and both CLIP sizes', () => {
    const cases = Object.values<any>(expected.cases);
    expect(new Set(cases.map((c) => c.method))).toEqual(new Set(['pil-bicubic-u8', 'pil-bilinear-u8', 'clip', 'cmmd']));
    // An odd size difference before the crop: CMMD's floor offset (1) differs from torchvision's round(1.5) = 2.
    expect(cases.some((c) => c.method === 'cmmd' && c.crop?.[0] - c.crop?.[1] === -3)).toBe(true);
    expect(new Set(cases.filter((c) => c.method === 'clip').map((c) => c.size))).toEqual(new Set([224, 336]));
    // The noise and checker images make the bicubic overshoot, so the clipping to 0..255 is exercised.
    expect(cases.some((c) => c.method === 'pil-bicubic-u8' && c.min === 0 && c.max === 255)).toBe(true);
  });
});

describe('torchvision Resize(n) and CenterCrop geometry', () => {
  it('sizes the shorter side to n and truncates the longer', () => {
    expect(shorterSideSize(200, 320, 224)).toEqual([224, 358]); // int(224·320/200) = 358
    expect(shorterSideSize(64, 48, 336)).toEqual([448, 336]);
    expect(shorterSideSize(299, 299, 224)).toEqual([224, 224]);
    expect(shorterSideSize(3, 1000, 224)).toEqual([224, 74666]); // int(74666.67)
  });

  const ramp = (height: number, width: number) => ({ data: Uint8Array.from({ length: height * width * 3 }, (_, i) => Math.floor(i / 3) % 251), height, width });

  it('offsets the crop by round((H − n)/2) with half to even, as Python', () => {
    // 5 rows more: 2.5 → 2 (round to even), 3 columns more: 1.5 → 2.
    const img = ramp(15, 13);
    const out = centerCrop(img, 10, 10);
    expect(out.data[0]).toBe(img.data[(2 * 13 + 2) * 3]);
    // 7 rows more: 3.5 → 4.
    expect(centerCrop(ramp(17, 10), 10, 10).data[0]).toBe(4 * 10);
  });

  it('pads an image smaller than the crop with zeros, (crop − size) // 2 before', () => {
    const img = ramp(3, 4);
    const out = centerCrop(img, 6, 5);
    expect([out.height, out.width]).toEqual([6, 5]);
    // top pad 1, bottom 2; left pad 0, right 1: the first row is zeros, row 1 starts with pixel (0, 0).
    expect(Array.from(out.data.subarray(0, 15))).toEqual(new Array(15).fill(0));
    expect(out.data[(1 * 5 + 0) * 3]).toBe(img.data[0]);
    expect(out.data[(1 * 5 + 3) * 3]).toBe(img.data[3 * 3]);
    expect(out.data[(1 * 5 + 4) * 3]).toBe(0);
    expect(out.data[(4 * 5 + 0) * 3]).toBe(0);
  });
});
