/**
 * @file Reading the GAN and VAE that `fidkit train gan|vae` writes (`model.json` + `weights.bin`),
 * and where the bundled ones live: `models/mnist-gan/` and `models/mnist-vae/` of the installed
 * package, resolved from this file (this file sits three levels below the package root in src/ and in dist/).
 */
import { fileURLToPath } from 'node:url';
import type { BundledGeneratorName } from '../../options/schema.js';
import { GAN_FORMAT, GAN_PARAMS, samplingWeights } from './gan.js';
import { readModelFolder } from '../../io/model-folder.js';
import type { Weights } from '../../io/params.js';
import { VAE_FORMAT, VAE_PARAMS } from './vae.js';

/** The bundled generators' names: the options schema's vocabulary. */
export { BUNDLED_GENERATORS, type BundledGeneratorName } from '../../options/schema.js';

/** Folder of a bundled model in the installed package. */
export function bundledModelDir(name: BundledGeneratorName): string {
  return fileURLToPath(new URL(`../../../models/${name}/`, import.meta.url));
}

const KINDS = {
  gan: { format: GAN_FORMAT, params: GAN_PARAMS, train: 'gan' },
  vae: { format: VAE_FORMAT, params: VAE_PARAMS, train: 'vae' },
} as const;

export type GenerativeKind = keyof typeof KINDS;

export interface GenerativeModel {
  readonly kind: GenerativeKind;
  /**
   * The weights; for the GAN, `g.*` are replaced by the generator's moving average `g_ema.*` (what
   * sampling uses; the raw generator only matters to continue training).
   */
  readonly weights: Weights;
  /** The parsed `model.json` (architecture, training record). */
  readonly json: Record<string, unknown>;
  readonly modelPath: string;
  /** The raw `weights.bin` bytes (for hashing). */
  readonly bytes: Uint8Array;
}

/**
 * Read a model written by `fidkit train gan|vae`, given its folder or `model.json`.
 * @throws {FidkitError} `E_NOT_FOUND` when a file is missing; {@link FormatError} when it is not a
 *   model of this kind and architecture.
 */
export async function readGenerativeModel(kind: GenerativeKind, path: string): Promise<GenerativeModel> {
  const { format, params, train } = KINDS[kind];
  const { json, weights, bytes, modelPath } = await readModelFolder(path, {
    format,
    params,
    architecture: `this fidkit's ${kind.toUpperCase()}; retrain it with this version's \`fidkit train ${train}\``,
    notFound: (p) => `no ${kind.toUpperCase()} at ${p}: pass a folder written by \`fidkit train ${train} --out DIR\`, or reinstall fidkit to restore models/`,
  });
  return { kind, weights: kind === 'gan' ? { ...weights, ...samplingWeights(weights) } : weights, json, modelPath, bytes };
}
