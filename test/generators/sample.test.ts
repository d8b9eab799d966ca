import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import type { ImageGenerator } from '../../src/generators/generator.js';
import { loadGenerator } from '../../src/models/load-generator.js';
import { fillNormal } from '../../src/io/params.js';
import { drawLatents, sampleBatches, sampleImages, toRgb8, type SampleOptions } from '../../src/generators/sample.js';
import { RandomState } from '../../src/random/random-state.js';

/**
 * A pure-JS generator whose pixels are fixed functions of the code (so images compare exactly):
 * 2×3 RGB, pixel k = sigmoid(z[k mod d] · (1 + k/10)); latent width 5 (odd, so Box–Muller pairs
 * straddle codes) unless given.
 */
function stubGenerator(latentDim = 5): ImageGenerator & { calls: number[] } {
  const calls: number[] = [];
  return {
    name: 'stub',
    sha256: 'stub',
    latentDim,
    height: 2,
    width: 3,
    channels: 3,
    calls,
    async generate(z, count) {
      calls.push(count);
      const out = new Float32Array(count * 18);
      for (let n = 0; n < count; n++) for (let k = 0; k < 18; k++) out[n * 18 + k] = 1 / (1 + Math.exp(-z[n * latentDim + (k % latentDim)] * (1 + k / 10)));
      return out;
    },
    async dispose() {},
  };
}

async function collect(gen: ImageGenerator, o: SampleOptions) {
  const batches = [];
  for await (const b of sampleBatches(gen, o)) batches.push(b);
  return batches;
}

describe('sampleBatches', () => {
  it('is deterministic per seed and independent of the batch size: the first k of n are the run of k', async () => {
    for (const truncation of [Infinity, 0.5]) {
      for (const mode of ['resample', 'scale'] as const) {
        const base = { truncation, mode, seed: 11 };
        const whole = await sampleImages(stubGenerator(), { ...base, count: 23 });
        const again = await sampleImages(stubGenerator(), { ...base, count: 23, batchSize: 4 });
        const prefix = await sampleImages(stubGenerator(), { ...base, count: 7, batchSize: 3 });
        expect(again.latents).toEqual(whole.latents);
        expect(again.images).toEqual(whole.images);
        expect(prefix.latents).toEqual(whole.latents.subarray(0, 7 * 5));
        expect(prefix.images).toEqual(whole.images.subarray(0, 7 * 18));
        const other = await sampleImages(stubGenerator(), { ...base, seed: 12, count: 7 });
        expect(other.latents).not.toEqual(prefix.latents);
      }
    }
  });

  it('first = k makes rows k … k+count−1 of the longer run, generating only those (how --shard slices a generator)', async () => {
    for (const [truncation, mode] of [[Infinity, 'scale'], [0.5, 'resample']] as const) {
      const base = { truncation, mode, seed: 11 };
      const whole = await sampleImages(stubGenerator(), { ...base, count: 23 });
      const gen = stubGenerator();
      const tail = await sampleImages(gen, { ...base, count: 9, first: 14, batchSize: 4 });
      expect(tail.latents).toEqual(whole.latents.subarray(14 * 5));
      expect(tail.images).toEqual(whole.images.subarray(14 * 18));
      expect(gen.calls).toEqual([4, 4, 1]);
    }
  });

  it('yields batches of batchSize in order, with their start and latents', async () => {
    const gen = stubGenerator();
    const batches = await collect(gen, { count: 10, batchSize: 4, seed: 2 });
    expect(batches.map((b) => [b.start, b.count, b.latents.length, b.images.length])).toEqual([
      [0, 4, 20, 72],
      [4, 4, 20, 72],
      [8, 2, 10, 36],
    ]);
    expect(gen.calls).toEqual([4, 4, 2]);
    expect(await gen.generate(batches[1].latents, 4)).toEqual(batches[1].images);
  });

  it('truncates: resample keeps every component within ψ, scale multiplies the untruncated codes by ψ', async () => {
    const count = 400;
    const none = await sampleImages(stubGenerator(8), { count, seed: 5 });
    expect(none.latents.some((v) => Math.abs(v) > 2)).toBe(true);
    const resampled = await sampleImages(stubGenerator(8), { count, seed: 5, truncation: 0.3, mode: 'resample' });
    expect(resampled.latents.every((v) => Math.abs(v) <= 0.3)).toBe(true);
    const scaled = await sampleImages(stubGenerator(8), { count, seed: 5, truncation: 0.3, mode: 'scale' });
    expect(scaled.latents).toEqual(none.latents.map((v) => Math.fround(v * 0.3)));
  });

  it('for ψ = none and an even d, the codes are one fillNormal stream (those of sampleGan for the seed)', () => {
    expect(drawLatents(new RandomState(9), 6, 4)).toEqual(fillNormal(new RandomState(9), new Float32Array(24)));
  });

  it('the bundled GAN gives the same images for any batch size (ONNX Runtime, to 1e-6)', async () => {
    // ORT's Gemm may block rows differently for another batch size; each pixel is a sigmoid of a
    // float32 sum of ~500 products, so any such difference stays far below 1e-6.
    const gan = await loadGenerator('mnist-gan');
    const a = await sampleImages(gan, { count: 9, seed: 3, truncation: 0.8 });
    const b = await sampleImages(gan, { count: 9, seed: 3, truncation: 0.8, batchSize: 2 });
    await gan.dispose();
    expect(a.shape).toEqual([9, 28, 28, 1]);
    expect(a.images.length).toBe(9 * 28 * 28 * 1);
    expect(a.latentDim).toBe(a.latents.length / 9);
    expect(b.latents).toEqual(a.latents);
    let diff = 0;
    for (let i = 0; i < a.images.length; i++) diff = Math.max(diff, Math.abs(a.images[i] - b.images[i]));
    expect(diff).toBeLessThan(1e-6);
  });

  it('checks its options before making any image', async () => {
    const cases: [Partial<SampleOptions>, string][] = [
      [{ count: 0 }, 'count must be an integer ≥ 1, got 0'],
      [{ count: 2.5 }, 'count must be an integer ≥ 1, got 2.5'],
      [{ truncation: 0 }, 'truncation ψ must be positive (Infinity = none), got 0'],
      [{ truncation: NaN }, 'truncation ψ must be positive (Infinity = none), got NaN'],
      [{ mode: 'clip' as never }, "unknown truncation mode 'clip'; valid modes: resample, scale"],
      [{ seed: -1 }, 'seed must be an integer between 0 and 4294967295, got -1'],
      [{ batchSize: 0 }, 'batchSize must be an integer ≥ 1, got 0'],
      [{ first: -1 }, 'first must be an integer ≥ 0, got -1'],
    ];
    for (const [bad, message] of cases) {
      const gen = stubGenerator();
      await expect(collect(gen, { count: 3, ...bad })).rejects.toThrow(new InputError(message));
      expect(gen.calls).toEqual([]);
    }
  });
});

describe('toRgb8', () => {
  it('quantises as a PNG writer does and replicates gray to RGB', () => {
    const gray = Float32Array.from([0, 0.5, 1, -0.2, 1.7, 0.0019, 0.002, 0.998]);
    const [a, b] = toRgb8(gray, 2, 2, 2, 1);
    expect([a.height, a.width]).toEqual([2, 2]);
    // round(v·255) after clamping: 0.5 → 127.5 → 128; 0.0019 → 0.48 → 0; 0.002 → 0.51 → 1; 0.998 → 254.49 → 254.
    expect([...a.data]).toEqual([0, 0, 0, 128, 128, 128, 255, 255, 255, 0, 0, 0]);
    expect([...b.data]).toEqual([255, 255, 255, 0, 0, 0, 1, 1, 1, 254, 254, 254]);
  });

  it('keeps RGB channel order, and checks the shape', () => {
    const [img] = toRgb8(Float32Array.from([0.1, 0.2, 0.3]), 1, 1, 1, 3);
    expect([...img.data]).toEqual([26, 51, 77]);
    expect(() => toRgb8(new Float32Array(5), 1, 1, 2, 3)).toThrow(new InputError('expected 1 images of 1×2×3 = 6 values, got 5'));
    expect(() => toRgb8(new Float32Array(4), 1, 1, 2, 2)).toThrow(new InputError('images must have 1 or 3 channels, got 2'));
  });
});
