/**
 * @file Paths between two latent codes, pure maths on typed arrays (float64 arithmetic, float32 out):
 *
 * - linear:    lerp(a, b; t) = (1 − t)·a + t·b
 * - spherical: slerp(a, b; t) = sin((1 − t)Ω)/sin Ω · a + sin(tΩ)/sin Ω · b,  cos Ω = a·b / (‖a‖‖b‖)
 *   (Shoemake 1985; proposed for generative models' latents by White 2016, "Sampling Generative
 *   Networks"). For endpoints of equal norm r the path stays on the sphere of radius r; in general its
 *   norm moves smoothly from ‖a‖ to ‖b‖ without the dip of the straight line.
 *
 * Why spherical for a GAN: z ~ N(0, I_d) concentrates near the sphere of radius √d, and the midpoint of
 * two independent draws has norm ≈ √(d/2) — a code the generator almost never saw in training.
 *
 * slerp is undefined for (anti)parallel endpoints (sin Ω = 0: Ω = 0, or Ω = π where every great
 * circle is a shortest path) and for a zero endpoint; it then falls back to lerp, which for parallel
 * endpoints is the same path. The fallback threshold is sin Ω < 1e-7 (float64: Ω within ~1e-7 rad of 0 or π).
 */
import { InputError } from '../core/errors.js';

export type InterpolationMode = 'linear' | 'spherical';
export const INTERPOLATION_MODES = Object.freeze(['linear', 'spherical'] as const);

/** Below this sin Ω, slerp falls back to lerp. */
const MIN_SIN_OMEGA = 1e-7;

/** Euclidean norm of `v` (float64 accumulation). */
export function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

function checkPair(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length || a.length === 0) throw new InputError(`cannot interpolate between latent codes of lengths ${a.length} and ${b.length}: both must have the generator's latent size`);
}

/**
 * (1 − t)·a + t·b, written into `out` (default a new Float32Array). Exact at the ends: t = 0 gives a, t = 1 gives b.
 * @throws {InputError} when `a` and `b` differ in length or are empty.
 * @example lerp([0, 0], [2, 4], 0.5) // Float32Array [1, 2]
 */
export function lerp(a: ArrayLike<number>, b: ArrayLike<number>, t: number, out = new Float32Array(a.length)): Float32Array {
  checkPair(a, b);
  // Special-cased ends: (1 − t)·a + t·b rounds in float64, but the endpoints must come back bit for bit.
  if (t === 0 || t === 1) {
    const src = t === 0 ? a : b;
    for (let i = 0; i < a.length; i++) out[i] = src[i];
    return out;
  }
  for (let i = 0; i < a.length; i++) out[i] = (1 - t) * a[i] + t * b[i];
  return out;
}

/**
 * Spherical interpolation (see the file comment), written into `out`; lerp when `a` and `b` are
 * (anti)parallel or one is zero. Exact at the ends.
 * @throws {InputError} when `a` and `b` differ in length or are empty.
 * @example slerp([1, 0], [0, 1], 0.5) // Float32Array [0.7071, 0.7071]
 */
export function slerp(a: ArrayLike<number>, b: ArrayLike<number>, t: number, out = new Float32Array(a.length)): Float32Array {
  checkPair(a, b);
  const na = norm(a);
  const nb = norm(b);
  if (t === 0 || t === 1 || na === 0 || nb === 0) return lerp(a, b, t, out);
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  const cos = Math.min(1, Math.max(-1, dot / (na * nb)));
  const omega = Math.acos(cos);
  const sin = Math.sin(omega);
  if (sin < MIN_SIN_OMEGA) return lerp(a, b, t, out);
  const wa = Math.sin((1 - t) * omega) / sin;
  const wb = Math.sin(t * omega) / sin;
  for (let i = 0; i < a.length; i++) out[i] = wa * a[i] + wb * b[i];
  return out;
}

/** `count` evenly spaced t from 0 to 1 inclusive (t_i = i / (count − 1)). @throws {InputError} count < 2 */
export function interpolationTimes(count: number): number[] {
  if (!Number.isSafeInteger(count) || count < 2) throw new InputError(`an interpolation needs at least 2 frames (both endpoints), got ${count}`);
  return Array.from({ length: count }, (_, i) => i / (count - 1));
}

/**
 * The codes at `times` along the `mode` path from `a` to `b`: row-major [times.length, d] float32.
 * @throws {InputError} mismatched endpoints, or an unknown mode.
 * @example interpolationPath(za, zb, interpolationTimes(10), 'spherical') // 10 codes, za first, zb last
 */
export function interpolationPath(a: ArrayLike<number>, b: ArrayLike<number>, times: readonly number[], mode: InterpolationMode): Float32Array {
  checkPair(a, b);
  if (!(INTERPOLATION_MODES as readonly string[]).includes(mode)) throw new InputError(`unknown interpolation mode '${mode}'; valid modes: ${INTERPOLATION_MODES.join(', ')}`);
  const d = a.length;
  const out = new Float32Array(times.length * d);
  const step = mode === 'linear' ? lerp : slerp;
  times.forEach((t, i) => step(a, b, t, out.subarray(i * d, (i + 1) * d)));
  return out;
}
