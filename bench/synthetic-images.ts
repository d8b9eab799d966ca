/**
 * @file Deterministic synthetic images for the network benchmarks (inception, vgg16): smooth
 * gradients plus xorshift32 noise, so resizes do real work and every run sees the same pixels.
 */
import type { DecodedImage } from '../src/io/decoded-image.js';

/** Deterministic images: smooth gradients plus noise (xorshift32), so resizes do real work. */
export function makeImages(count: number, size: number, seed: number): DecodedImage[] {
  let s = seed >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return Array.from({ length: count }, () => {
    const data = new Uint8Array(size * size * 3);
    const phase = next() % 256;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        for (let c = 0; c < 3; c++) {
          data[(y * size + x) * 3 + c] = (((x + y * (c + 1)) * 255) / (2 * size) + phase + (next() % 64)) & 255;
        }
      }
    }
    return { data, width: size, height: size };
  });
}
