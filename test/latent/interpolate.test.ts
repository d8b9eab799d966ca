import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { fillNormal } from '../../src/io/params.js';
import { interpolationPath, interpolationTimes, lerp, norm, slerp } from '../../src/latent/interpolate.js';
import { RandomState } from '../../src/random/random-state.js';

const draw = (seed: number, d = 64): Float32Array => fillNormal(new RandomState(seed), new Float32Array(d));
const angle = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return Math.acos(Math.min(1, Math.max(-1, dot / (norm(a) * norm(b)))));
};

describe('lerp', () => {
  it('returns the endpoints bit for bit at t = 0 and 1 and the weighted mean between', () => {
    const [a, b] = [draw(1), draw(2)];
    expect(lerp(a, b, 0)).toEqual(a);
    expect(lerp(a, b, 1)).toEqual(b);
    const mid = lerp(a, b, 0.25);
    // float64 arithmetic rounded once to float32: within half a float32 ulp of the exact value.
    for (let i = 0; i < a.length; i++) expect(Math.abs(mid[i] - (0.75 * a[i] + 0.25 * b[i]))).toBeLessThanOrEqual(Math.abs(mid[i]) * 2 ** -24 + 1e-45);
    expect(Array.from(lerp([0, 0], [2, 4], 0.5))).toEqual([1, 2]);
  });

  it('rejects endpoints of different or zero length', () => {
    expect(() => lerp([1, 2], [1, 2, 3], 0.5)).toThrow(InputError);
    expect(() => lerp([1, 2], [1, 2, 3], 0.5)).toThrow('cannot interpolate between latent codes of lengths 2 and 3: both must have the generator\'s latent size');
    expect(() => slerp([], [], 0.5)).toThrow(InputError);
  });
});

describe('slerp', () => {
  it('returns the endpoints bit for bit', () => {
    const [a, b] = [draw(3), draw(4)];
    expect(slerp(a, b, 0)).toEqual(a);
    expect(slerp(a, b, 1)).toEqual(b);
  });

  it('follows the unit circle for orthogonal unit vectors: (cos tπ/2, sin tπ/2)', () => {
    for (const t of [0.1, 0.5, 0.9]) {
      const p = slerp([1, 0], [0, 1], t);
      // Tolerance: float32 storage of values ≤ 1 (ulp/2 = 3e-8).
      expect(p[0]).toBeCloseTo(Math.cos((t * Math.PI) / 2), 7);
      expect(p[1]).toBeCloseTo(Math.sin((t * Math.PI) / 2), 7);
    }
  });

  it('keeps the norm for endpoints of equal norm, and the angle to a grows linearly in t', () => {
    const a = draw(5);
    const raw = draw(6);
    const b = Float32Array.from(raw, (v) => (v * norm(a)) / norm(raw)); // same norm as a, up to float32 rounding
    const omega = angle(a, b);
    for (const t of [0.2, 0.5, 0.7]) {
      const p = slerp(a, b, t);
      // Relative 1e-6: the endpoint norms agree to ~1e-7 after float32 rounding, and the 64 float32 outputs add ~1e-7.
      expect(Math.abs(norm(p) - norm(a)) / norm(a)).toBeLessThan(1e-6);
      expect(angle(a, p)).toBeCloseTo(t * omega, 5);
    }
    // Whereas the straight line cuts inside the sphere: its midpoint has norm ‖a‖·cos(Ω/2).
    expect(norm(lerp(a, b, 0.5)) / norm(a)).toBeCloseTo(Math.cos(omega / 2), 5);
  });

  it('falls back to lerp for parallel, antiparallel and zero endpoints', () => {
    const a = draw(7, 8);
    const parallel = Float32Array.from(a, (v) => 2 * v);
    const anti = Float32Array.from(a, (v) => -v);
    for (const b of [parallel, anti, new Float32Array(8)]) {
      for (const t of [0.3, 0.5]) expect(slerp(a, b, t)).toEqual(lerp(a, b, t));
    }
    expect(Array.from(slerp([1, 0], [-1, 0], 0.5))).toEqual([0, 0]);
  });
});

describe('interpolationPath', () => {
  it('spaces t evenly from 0 to 1 and stacks one code per t, the endpoints first and last', () => {
    expect(interpolationTimes(5)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(() => interpolationTimes(1)).toThrow('an interpolation needs at least 2 frames (both endpoints), got 1');
    const [a, b] = [draw(8, 16), draw(9, 16)];
    const times = interpolationTimes(4);
    for (const mode of ['linear', 'spherical'] as const) {
      const path = interpolationPath(a, b, times, mode);
      expect(path.length).toBe(4 * 16);
      expect(path.subarray(0, 16)).toEqual(a);
      expect(path.subarray(48)).toEqual(b);
      expect(path.subarray(16, 32)).toEqual((mode === 'linear' ? lerp : slerp)(a, b, times[1]));
    }
    expect(() => interpolationPath(a, b, times, 'cubic' as 'linear')).toThrow("unknown interpolation mode 'cubic'; valid modes: linear, spherical");
  });
});
