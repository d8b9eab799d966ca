/**
 * @file Reading the GAN and VAE that `fidkit train gan|vae` writes (`model.json` + `weights.bin`),
 * and where the bundled ones live: `models/mnist-gan/` and `models/mnist-vae/` of the installed
 * package, resolved from this file (src/ and dist/ both sit two levels below the package root).
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FidkitError, FormatError } from '../errors.js';
import { GAN_FORMAT, GAN_PARAMS, samplingWeights } from './gan.js';
import { unpackParams, type ParamTable, type Weights } from './params.js';
import { VAE_FORMAT, VAE_PARAMS } from './vae.js';

export type BundledGeneratorName = 'mnist-gan' | 'mnist-vae';
export const BUNDLED_GENERATORS: readonly BundledGeneratorName[] = ['mnist-gan', 'mnist-vae'];

/** Folder of a bundled model in the installed package. */
export function bundledModelDir(name: BundledGeneratorName): string {
  return fileURLToPath(new URL(`../../models/${name}/`, import.meta.url));
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
  const modelPath = path.endsWith('.json') ? path : join(path, 'model.json');
  const text = await readFile(modelPath, 'utf8').catch((cause: unknown) => {
    throw new FidkitError('E_NOT_FOUND', `no ${kind.toUpperCase()} at ${modelPath}: pass a folder written by \`fidkit train ${train} --out DIR\`, or reinstall fidkit to restore models/`, { cause });
  });
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch (cause) {
    throw new FormatError(`${modelPath} is not valid JSON`, { cause });
  }
  if (json.format !== format) throw new FormatError(`${modelPath} has format '${String(json.format)}', expected '${format}'`);
  checkParameters(modelPath, json.parameters, params);
  const weightsPath = join(dirname(modelPath), String(json.weights));
  const bytes = await readFile(weightsPath).catch((cause: unknown) => {
    throw new FidkitError('E_NOT_FOUND', `${modelPath} names weights ${weightsPath}, which cannot be read`, { cause });
  });
  const weights = unpackParams(params, bytes, weightsPath);
  return { kind, weights: kind === 'gan' ? { ...weights, ...samplingWeights(weights) } : weights, json, modelPath, bytes };
}

function checkParameters(modelPath: string, listed: unknown, table: ParamTable): void {
  const same =
    Array.isArray(listed) &&
    listed.length === table.length &&
    table.every((p, i) => listed[i]?.name === p.name && Array.isArray(listed[i]?.shape) && listed[i].shape.join('x') === p.shape.join('x'));
  if (!same) throw new FormatError(`${modelPath} lists parameters of another architecture than this fidkit's ${table === GAN_PARAMS ? 'GAN' : 'VAE'}; retrain it with this version's \`fidkit train\``);
}
