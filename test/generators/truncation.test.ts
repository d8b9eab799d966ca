import { describe, expect, it } from 'vitest';
import { latentMoments, normalCdf, sampleLatents } from '../../src/generators/truncation.js';
import { RandomState } from '../../src/random/random-state.js';

const N = 200_000;

function moments(x: Float32Array): { mean: number; variance: number } {
  let s = 0;
  for (const v of x) s += v;
  const mean = s / x.length;
  let q = 0;
  for (const v of x) q += (v - mean) ** 2;
  return { mean, variance: q / (x.length - 1) };
}

describe('truncated latents', () => {
  for (const psi of [0.25, 0.5, 1, 2]) {
    it(`resample at ψ = ${psi}: nothing beyond ψ, mean and variance of the truncated normal`, () => {
      const z = sampleLatents(new RandomState(7), new Float32Array(N), psi, 'resample');
      let max = 0;
      for (const v of z) max = Math.max(max, Math.abs(v));
      expect(max).toBeLessThanOrEqual(psi);
      const want = latentMoments(psi, 'resample');
      const got = moments(z);
      // Standard errors: mean √(var/N); sample variance ≤ var·√(2/N) (the truncated tails are lighter).
      expect(Math.abs(got.mean)).toBeLessThan(5 * Math.sqrt(want.variance / N));
      expect(Math.abs(got.variance - want.variance)).toBeLessThan(5 * want.variance * Math.sqrt(2 / N));
    });
  }

  it('has the closed-form variances (ψ → ∞ gives the standard normal)', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 7);
    expect(latentMoments(1, 'resample').variance).toBeCloseTo(0.2911, 4); // Var of N(0,1) truncated to [−1, 1]
    expect(latentMoments(8, 'resample').variance).toBeCloseTo(1, 9);
    expect(latentMoments(1).variance).toBe(1); // the default mode, scale: ψ = 1 leaves z as it is
    expect(latentMoments(0.5, 'scale').variance).toBe(0.25);
  });

  it('scale mode multiplies by ψ; ψ = Infinity leaves N(0, I)', () => {
    const plain = sampleLatents(new RandomState(3), new Float32Array(1000), Infinity);
    const scaled = sampleLatents(new RandomState(3), new Float32Array(1000), 0.5, 'scale');
    scaled.forEach((v, i) => expect(v).toBe(Math.fround(plain[i] * 0.5)));
  });

  it('is deterministic per seed', () => {
    const a = sampleLatents(new RandomState(11), new Float32Array(4096), 0.5, 'resample');
    const b = sampleLatents(new RandomState(11), new Float32Array(4096), 0.5, 'resample');
    const c = sampleLatents(new RandomState(12), new Float32Array(4096), 0.5, 'resample');
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('refuses a non-positive ψ and an unknown mode', () => {
    expect(() => sampleLatents(new RandomState(1), new Float32Array(2), 0)).toThrow('truncation ψ must be positive (Infinity = none), got 0');
    // @ts-expect-error: checking the runtime guard
    expect(() => sampleLatents(new RandomState(1), new Float32Array(2), 1, 'clip')).toThrow("unknown truncation mode 'clip'; valid modes: resample, scale");
  });
});
