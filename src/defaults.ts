/**
 * @file The one table of defaults shared by the API and the CLI (torch-fidelity's `DEFAULTS`
 * idea): every CLI flag's default and every API option's fallback read from here, so the two
 * cannot drift. Values follow torch-fidelity where it has one, because that is what most
 * published IS/KID/PR numbers used.
 */

/** Metrics fidkit computes, in report order. */
export const METRICS = Object.freeze(['fid', 'is', 'kid', 'pr', 'prdc'] as const);
export type MetricName = (typeof METRICS)[number];

/** How pixels reach the Inception network (see README "Protocols"). */
export const PROTOCOLS = Object.freeze(['tf', 'pytorch-fid', 'clean'] as const);
export type Protocol = (typeof PROTOCOLS)[number];

/** What the Fréchet distance does when Σ1Σ2 is singular (see metrics/frechet.ts). */
export const FID_SINGULAR_MODES = Object.freeze(['exact', 'pytorch-fid'] as const);
export type FidSingularMode = (typeof FID_SINGULAR_MODES)[number];

export const DEFAULTS = Object.freeze({
  /** Protocol of TTUR, torch-fidelity and StyleGAN: TF1 bilinear resize, (x − 128)/128. */
  protocol: 'tf' as Protocol,
  extractor: 'inception',
  batchSize: 50,
  /** torch-fidelity's seed for the IS shuffle and the KID subsets. */
  seed: 2020,
  isSplits: 10,
  isShuffle: true,
  kidSubsets: 100,
  kidSubsetSize: 1000,
  /** k of Kynkäänniemi et al. precision/recall (torch-fidelity default). */
  prK: 3,
  /** k of Naeem et al. density/coverage (the prdc README's choice). */
  prdcK: 5,
  fidSingular: 'exact' as FidSingularMode,
});
