import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { loadTargets, mnistTestDigits, testDigit } from '../../src/latent/targets.js';

describe('targets', () => {
  it('reads MNIST test digits by index, in [0,1] with their label', async () => {
    const split = await mnistTestDigits();
    const [seven, two] = await loadTargets([{ kind: 'index', index: 0 }, { kind: 'index', index: 1 }]);
    expect(seven.source).toBe('MNIST test #0');
    expect([seven.label, two.label]).toEqual([7, 2]); // the first two test labels
    expect(seven.pixels.length).toBe(784);
    for (let i = 0; i < 784; i++) expect(seven.pixels[i]).toBe(Math.fround(split.images[i] / 255));
    expect(() => testDigit(split, 10000)).toThrow(InputError);
    expect(() => testDigit(split, 10000)).toThrow('MNIST test index 10000 is out of range: use 0 … 9999');
  });

  it('reads an image file as 28×28 luma, resizing other sizes and warning about light backgrounds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fidkit-latent-targets-'));
    // A 56×56 RGB image, black with a white 28×28 square in the middle (rows/columns 14–41).
    const big = Buffer.alloc(56 * 56 * 3);
    for (let y = 14; y < 42; y++) for (let x = 14; x < 42; x++) big.fill(255, 3 * (56 * y + x), 3 * (56 * y + x) + 3);
    await sharp(big, { raw: { width: 56, height: 56, channels: 3 } }).png().toFile(join(dir, 'square.png'));
    const [square] = await loadTargets([{ kind: 'image', path: join(dir, 'square.png') }]);
    expect(square.source).toBe(join(dir, 'square.png'));
    expect(square.label).toBeUndefined();
    expect(square.warnings).toEqual([`${join(dir, 'square.png')} is 56×56: resized to 28×28 (bilinear)`]);
    // Halving: pixel (r, c) averages source rows/columns 2r−1 … 2r+2 with triangle weights; inside the
    // square (r, c in 8 … 19) that is pure white, outside (≤ 5 or ≥ 22) pure black.
    expect(square.pixels[28 * 14 + 14]).toBe(1);
    expect(square.pixels[28 * 2 + 2]).toBe(0);
    // A mostly white 28×28 gray image: no resize, but the background warning.
    const light = Buffer.alloc(28 * 28, 230);
    await sharp(light, { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(join(dir, 'light.png'));
    const [l] = await loadTargets([{ kind: 'image', path: join(dir, 'light.png') }]);
    expect(l.pixels[0]).toBe(Math.fround(230 / 255));
    expect(l.warnings).toEqual([`${join(dir, 'light.png')} is mostly light (mean 0.90): the generators draw white digits on black, as MNIST; invert the image for a meaningful fit`]);
  });
});
