/**
 * @file The latent experiments' defaults, shared by the API (`experiments.ts`) and the CLI
 * (`src/cli/latent.ts`, whose `--help` reads them without loading tfjs).
 */
import type { BundledGeneratorName } from '../generators/model-files.js';

export const LATENT_DEFAULTS = Object.freeze({
  generator: 'mnist-gan' as BundledGeneratorName,
  /** Frames of an interpolation, both endpoints included. */
  frames: 10,
  /** Random starting codes of a fit. */
  starts: 5,
  /** Adam steps of a fit. */
  steps: 500,
  learningRate: 0.05,
  seed: 0,
  /** λ of the prior term λ·‖z‖²/d (off: the objective is ‖G(z) − x‖² alone). */
  priorWeight: 0,
});
