/**
 * @file Latent sampling for the truncation trick (fidkit's truncation sweep):
 *
 * - `resample` (BigGAN, Brock et al. 2019): draw z ~ N(0, I) and redraw every component with
 *   |zᵢ| > ψ until it falls inside, i.e. each component follows the standard normal truncated to
 *   [−ψ, ψ]: mean 0, variance 1 − 2ψφ(ψ)/(2Φ(ψ) − 1).
 * - `scale`: z = ψ·N(0, I) (the scaling variant): variance ψ², no bound.
 *
 * ψ = Infinity means no truncation. Draws come from fidkit's seeded `RandomState` (Box–Muller,
 * `fillNormal`), so a seed gives the same latents everywhere. Components are float32; a component is
 * accepted only if its float32 value is inside [−ψ, ψ], so rounding never pushes one outside.
 */
import { InputError, UsageError } from '../core/errors.js';
import { DEFAULTS, TRUNCATION_MODES, type TruncationMode } from '../options/schema.js';
import { oneOf, truncation } from '../options/validate.js';
import type { RandomState } from '../random/random-state.js';
import { fillNormal } from '../io/params.js';

export { TRUNCATION_MODES, type TruncationMode } from '../options/schema.js';
/**
 * The mode every command uses unless told otherwise (the options schema's): `scale`, so ψ = 1 is
 * the untruncated generator, ψ < 1 shrinks codes toward the prior's centre and ψ > 1 spreads them
 * (the sweep's ψ list 0.25 … 2 reads around 1). `resample` truncates at every ψ (ψ = 2 mildly, ψ = 1 a lot).
 */
export const DEFAULT_TRUNCATION_MODE: TruncationMode = DEFAULTS.truncationMode;

/**
 * Fill `out` with truncated latents.
 * @throws {InputError} ψ not positive, or an unknown mode
 * @example sampleLatents(new RandomState(1), new Float32Array(64 * 100), 0.7) // 100 latents of 64-d
 */
export function sampleLatents(rng: RandomState, out: Float32Array, psi: number, mode: TruncationMode = DEFAULT_TRUNCATION_MODE): Float32Array {
  checkTruncation(psi, mode);
  fillNormal(rng, out);
  if (psi === Infinity) return out;
  if (mode === 'scale') {
    for (let i = 0; i < out.length; i++) out[i] *= psi;
    return out;
  }
  // Redraws come from a small pool refilled from the same generator, in order: deterministic per seed.
  const pool = new Float32Array(64);
  let next = pool.length;
  for (let i = 0; i < out.length; i++) {
    while (Math.abs(out[i]) > psi) {
      if (next === pool.length) {
        fillNormal(rng, pool);
        next = 0;
      }
      out[i] = pool[next++];
    }
  }
  return out;
}

const MODE = oneOf(TRUNCATION_MODES);

/**
 * Check a threshold and mode an API caller passed, by the options' rules (validate.ts `truncation`:
 * ψ > 0, Infinity = none; a mode of {@link TRUNCATION_MODES}).
 * @throws {InputError} naming the bad value
 */
export function checkTruncation(psi: number, mode: string): void {
  if (truncation.check(psi) === undefined) throw new InputError(`truncation ψ must be positive (Infinity = none), got ${psi}`);
  if (MODE.check(mode) === undefined) throw new InputError(`unknown truncation mode '${mode}'; valid modes: ${TRUNCATION_MODES.join(', ')}`);
}

/** Φ, the standard normal CDF (erfc by the Numerical Recipes Chebyshev fit, relative error < 1.2e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** Mean and variance of one latent component under {@link sampleLatents}. */
export function latentMoments(psi: number, mode: TruncationMode = DEFAULT_TRUNCATION_MODE): { mean: number; variance: number } {
  if (psi === Infinity) return { mean: 0, variance: 1 };
  if (mode === 'scale') return { mean: 0, variance: psi * psi };
  const density = Math.exp(-psi * psi / 2) / Math.sqrt(2 * Math.PI);
  return { mean: 0, variance: 1 - (2 * psi * density) / (2 * normalCdf(psi) - 1) };
}

/**
 * Parse a truncation threshold as users write it: a positive number, or `none` / `inf` for no
 * truncation (Infinity).
 * @throws {UsageError} anything else
 */
export function parseTruncation(text: string): number {
  const psi = truncation.parse(text);
  if (psi === undefined) throw new UsageError(`truncation must be a positive number or 'none', got '${text}'`);
  return psi;
}

/** How a threshold prints: `none` for Infinity, else the number. */
export function formatTruncation(psi: number): string {
  return psi === Infinity ? 'none' : String(psi);
}
