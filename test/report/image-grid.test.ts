import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { decodeImage } from '../../src/io/images.js';
import { composeGrid, encodePng, writeImageGrid, writeImagePngs, type ImageBatch } from '../../src/report/image-grid.js';

const tmp = mkdtempSync(join(tmpdir(), 'fidkit-grid-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A batch whose every sample is a distinct byte value v/255, so each output pixel names its source. */
function batch(count: number, height: number, width: number, channels: 1 | 3): ImageBatch {
  const data = new Float32Array(count * height * width * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i % 251) / 255;
  return { data, count, height, width, channels };
}

/** Gray bytes as decodeImage returns them: each value three times (RGB). */
function grayToRgb(gray: Uint8Array): Uint8Array {
  return Uint8Array.from({ length: gray.length * 3 }, (_, i) => gray[Math.floor(i / 3)]);
}

/** Expected grid, written independently of composeGrid: loop over output pixels and look up the source. */
function expectedGrid(b: ImageBatch, columns: number, padding: number, bg: number, scale: number): Uint8Array {
  const rows = Math.ceil(b.count / columns);
  const cellH = b.height * scale + padding;
  const cellW = b.width * scale + padding;
  const H = rows * cellH + padding;
  const W = columns * cellW + padding;
  const out = new Uint8Array(H * W * b.channels);
  for (let Y = 0; Y < H; Y++) {
    for (let X = 0; X < W; X++) {
      const r = Math.floor((Y - padding) / cellH);
      const c = Math.floor((X - padding) / cellW);
      const y = Y - padding - r * cellH;
      const x = X - padding - c * cellW;
      const k = r * columns + c;
      const inTile = Y >= padding && X >= padding && y < b.height * scale && x < b.width * scale && k < b.count;
      for (let ch = 0; ch < b.channels; ch++) {
        const src = (((k * b.height + Math.floor(y / scale)) * b.width + Math.floor(x / scale)) * b.channels + ch);
        out[(Y * W + X) * b.channels + ch] = inTile ? Math.round(b.data[src] * 255) : bg;
      }
    }
  }
  return out;
}

describe('composeGrid', () => {
  it('tiles a gray batch row-major with padding, leaving the empty cell background', () => {
    const b = batch(5, 2, 3, 1);
    const g = composeGrid(b, { columns: 3, padding: 1, background: 0 });
    expect([g.height, g.width, g.channels]).toEqual([2 * 3 + 1, 3 * 4 + 1, 1]);
    expect(g.data).toEqual(expectedGrid(b, 3, 1, 0, 1));
    // Spot checks written out by hand: image 4 (row 1, column 1) pixel (1, 2) is sample 4·6 + 1·3 + 2 = 29.
    expect(g.data[(1 + 3 + 1) * g.width + (1 + 4 + 2)]).toBe(29);
    expect(g.data[0]).toBe(0);
  });

  it('upscales by nearest neighbour and keeps RGB channels in place', () => {
    const b = batch(4, 3, 2, 3);
    const g = composeGrid(b, { columns: 2, padding: 2, background: 1, scale: 3 });
    expect([g.height, g.width, g.channels]).toEqual([2 * (9 + 2) + 2, 2 * (6 + 2) + 2, 3]);
    expect(g.data).toEqual(expectedGrid(b, 2, 2, 255, 3));
  });

  it('defaults to ceil(sqrt(count)) columns, 2 px of 50% gray, scale 1', () => {
    const b = batch(10, 2, 2, 1);
    const g = composeGrid(b);
    expect([g.height, g.width]).toEqual([3 * 4 + 2, 4 * 4 + 2]);
    expect(g.data).toEqual(expectedGrid(b, 4, 2, 128, 1));
    expect(composeGrid(batch(1, 2, 2, 1)).width).toBe(2 + 2 + 2);
    // More columns than images: the grid is as wide as the batch.
    expect(composeGrid(batch(2, 2, 2, 1), { columns: 8 }).width).toBe(2 * 4 + 2);
  });

  it('quantises as a PNG writer: round(clamp(v) · 255)', () => {
    // Values exact in float32, so the products with 255 are exact too (127.5 rounds up, as Math.round does).
    const data = new Float32Array([-0.5, 0, 0.25, 0.5, 0.75, 1, 7, 0.125]);
    const g = composeGrid({ data, count: 1, height: 1, width: 8, channels: 1 }, { padding: 0 });
    expect(Array.from(g.data)).toEqual([0, 0, 64, 128, 191, 255, 255, 32]);
  });

  it('names the problem in its errors', () => {
    const b = batch(2, 2, 2, 1);
    expect(() => composeGrid({ ...b, count: 3 })).toThrow(
      new InputError(
        'image batch data has 8 values, expected 3×2×2×1 = 12: pass count, height, width and channels of the generator that made it',
      ),
    );
    const nan = batch(3, 2, 2, 1);
    nan.data[9] = NaN;
    expect(() => composeGrid(nan)).toThrow('image 2 of the batch has a NaN pixel: the generator produced non-finite output');
    expect(() => composeGrid(b, { columns: 0 })).toThrow('image grid option columns must be an integer >= 1, got 0');
    expect(() => composeGrid(b, { scale: 1.5 })).toThrow('image grid option scale must be an integer >= 1, got 1.5');
    expect(() => composeGrid(b, { background: 2 })).toThrow('background must be a gray level in 0..1, got 2');
    expect(() => composeGrid({ ...b, channels: 2 as 1 })).toThrow(InputError);
  });
});

describe('PNG output', () => {
  it('round-trips gray and RGB grids through sharp decoding bit for bit', async () => {
    for (const channels of [1, 3] as const) {
      const g = composeGrid(batch(3, 5, 4, channels), { columns: 2 });
      const png = await encodePng(g);
      const meta = await sharp(png).metadata();
      expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(['png', g.width, g.height, channels]);
      const decoded = await decodeImage(png);
      const expected = channels === 3 ? g.data : grayToRgb(g.data);
      expect(decoded.data).toEqual(expected);
    }
  });

  it('keeps every one of the 256 levels, gray and RGB', async () => {
    const levels = Uint8Array.from({ length: 256 }, (_, i) => i);
    for (const channels of [1, 3] as const) {
      const data = channels === 1 ? levels : Uint8Array.from({ length: 768 }, (_, i) => (i * 7) % 256);
      const png = await encodePng({ data, height: 16, width: 16, channels });
      expect((await sharp(png).metadata()).channels).toBe(channels);
      const decoded = await decodeImage(png);
      expect(decoded.data).toEqual(channels === 3 ? data : grayToRgb(data));
    }
  });

  it('writeImageGrid writes the composed grid', async () => {
    const b = batch(6, 4, 4, 1);
    const path = join(tmp, 'sub', 'grid.png');
    await writeImageGrid(path, b, { columns: 3, scale: 2 });
    const g = composeGrid(b, { columns: 3, scale: 2 });
    const decoded = await decodeImage(path);
    expect([decoded.height, decoded.width]).toEqual([g.height, g.width]);
    expect(decoded.data.filter((_, i) => i % 3 === 0)).toEqual(g.data);
  });

  it('writeImagePngs writes one numbered PNG per image', async () => {
    const b = batch(3, 2, 3, 3);
    const dir = join(tmp, 'pngs');
    const paths = await writeImagePngs(dir, b);
    expect(paths).toEqual(['000000.png', '000001.png', '000002.png'].map((f) => join(dir, f)));
    for (let k = 0; k < 3; k++) {
      const decoded = await decodeImage(paths[k]);
      expect(decoded.data).toEqual(Uint8Array.from(b.data.subarray(k * 18, (k + 1) * 18), (v) => Math.round(v * 255)));
    }
    const gray = await writeImagePngs(dir, batch(2, 2, 2, 1), { prefix: 'z', startIndex: 98, digits: 3 });
    expect(gray).toEqual([join(dir, 'z098.png'), join(dir, 'z099.png')]);
    expect((await sharp(readFileSync(gray[0])).metadata()).channels).toBe(1);
    expect(readdirSync(dir).sort()).toEqual(['000000.png', '000001.png', '000002.png', 'z098.png', 'z099.png']);
    await expect(writeImagePngs(dir, b, { prefix: 'a/b' })).rejects.toThrow('contains a path separator');
    await expect(writeImagePngs(dir, b, { startIndex: -1 })).rejects.toThrow('startIndex must be an integer >= 0');
  });
});
