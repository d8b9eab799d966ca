/**
 * @file torch-fidelity's VGG16 preprocessing (TF1 bilinear to 224, ImageNet mean/std in float32) vs the
 * exact tensor its first convolution received, recorded by a forward pre-hook in
 * scripts/make-vgg16-fixtures.py: SHA-256 of the 3×224×224 float32 input of every one of the 24 fixture
 * images, so the comparison is bit for bit (tolerance 0).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { vgg16Input, writeVgg16Input } from '../../../src/features/vgg16/preprocess.js';
import { decodeImage } from '../../../src/io/images.js';

const expected = JSON.parse(readFileSync('fixtures/vgg16/expected.json', 'utf8'));

describe('VGG16 preprocessing', () => {
  for (const set of ['set_a', 'set_b']) {
    it(`reproduces torch-fidelity's network input of every ${set} image bit for bit`, async () => {
      const inputs = expected.sets[set].network_inputs as { file: string; shape: number[]; sha256_nchw_f32_le: string; first: number[] }[];
      expect(inputs.length).toBe(12);
      for (const want of inputs) {
        expect(want.shape).toEqual([1, 3, 224, 224]);
        const x = vgg16Input(await decodeImage(join('fixtures/images', set, want.file)));
        expect(Array.from(x.subarray(0, 4)), want.file).toEqual(want.first);
        expect(createHash('sha256').update(new Uint8Array(x.buffer)).digest('hex'), want.file).toBe(want.sha256_nchw_f32_le);
      }
    });
  }

  it('refuses a buffer too small for the input at the offset', async () => {
    const image = await decodeImage('fixtures/images/set_a/a01_mnist_28_gray.png');
    expect(() => writeVgg16Input(image, new Float32Array(3 * 224 * 224), 1)).toThrow('network input buffer too small: need 150528 values at offset 1, buffer holds 150528');
  });
});
