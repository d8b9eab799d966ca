import { describe, expect, it } from 'vitest';
import { writeMnistInput } from '../../../src/features/mnist/preprocess.js';

function image(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]) {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), 3 * (y * width + x));
  return { data, width, height };
}

describe('writeMnistInput', () => {
  it('keeps a gray 28×28 image exactly (v/255), written at the offset', () => {
    const img = image(28, 28, (x, y) => [(x * 9 + y) % 256, (x * 9 + y) % 256, (x * 9 + y) % 256]);
    const out = new Float32Array(784 + 5);
    writeMnistInput(img, out, 5);
    for (let p = 0; p < 784; p++) expect(out[5 + p]).toBe(Math.fround(img.data[3 * p] / 255));
  });

  it("uses Pillow's convert('L') integer luma", () => {
    // (19595·R + 38470·G + 7471·B + 32768) >> 16; e.g. pure red 255 → 76, green → 150, blue → 29.
    const out = new Float32Array(784);
    for (const [rgb, luma] of [[[255, 0, 0], 76], [[0, 255, 0], 150], [[0, 0, 255], 29], [[10, 200, 30], 124]] as const) {
      writeMnistInput(image(28, 28, () => [...rgb] as [number, number, number]), out, 0);
      expect(Math.round(out[0] * 255)).toBe(luma);
    }
  });

  it('resizes other sizes with a normalised filter: a constant stays constant, a mirrored image stays mirrored', () => {
    const out = new Float32Array(784);
    writeMnistInput(image(100, 37, () => [90, 90, 90]), out, 0);
    for (const v of out) expect(v).toBeCloseTo(90 / 255, 6);
    const ramp = image(64, 64, (x) => [x * 4, x * 4, x * 4]);
    writeMnistInput(ramp, out, 0);
    const mirror = new Float32Array(784);
    writeMnistInput(image(64, 64, (x) => [(63 - x) * 4, (63 - x) * 4, (63 - x) * 4]), mirror, 0);
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) expect(mirror[y * 28 + x]).toBeCloseTo(out[y * 28 + 27 - x], 6);
  });

  it('rejects data that does not match the size', () => {
    expect(() => writeMnistInput({ data: new Uint8Array(10), width: 28, height: 28 }, new Float32Array(784), 0)).toThrow(
      'image of 28x28 has 10 bytes, expected 2352 (8-bit RGB, HWC)',
    );
  });
});
