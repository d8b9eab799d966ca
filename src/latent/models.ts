/**
 * @file The bundled generators as differentiable TensorFlow.js functions of their latent code, for
 * the latent experiments (`fidkit latent …`): the GAN's generator G(z) and the VAE's decoder
 * sigmoid(decoder(z)), both [B, d] → [B, H·W] pixels in [0,1], plus the VAE encoder's mean μ(x).
 * Sampling and scoring use ONNX Runtime (`src/generators/generator.ts`); these need gradients with
 * respect to z, which is why they run on tfjs. Everything is derived from the parameter tables and
 * the weights read (`GENERATOR_PARAMS`, `DECODER_PARAMS`), never from hard-coded widths.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { UsageError } from '../core/errors.js';
import { generate, GENERATOR_PARAMS } from '../models/mnist/gan.js';
import type { Vars } from '../models/mnist/matmul.js';
import { MNIST_SIZE } from '../models/mnist/mnist-data.js';
import { bundledModelDir, readGenerativeModel, type BundledGeneratorName, type GenerativeKind } from '../models/mnist/model-files.js';
import type { ParamTable, Weights } from '../io/params.js';
import type { Tf } from '../models/mnist/tf.js';
import { decodeLogits, DECODER_PARAMS, encode, ENCODER_PARAMS } from '../models/mnist/vae.js';

/** The generators the latent experiments accept. */
export const LATENT_GENERATORS: readonly BundledGeneratorName[] = Object.freeze(['mnist-gan', 'mnist-vae'] as const);

const KIND: Record<BundledGeneratorName, GenerativeKind> = { 'mnist-gan': 'gan', 'mnist-vae': 'vae' };

/** A generator as differentiable tfjs functions; tensors it returns belong to the caller (use inside `tf.tidy`). */
export interface LatentModel {
  /** `mnist-gan` or `mnist-vae`. */
  readonly generator: BundledGeneratorName;
  /** The `model.json` read, or `(in memory)` for weights passed directly. */
  readonly modelPath: string;
  /** Width d of a latent code. */
  readonly latentDim: number;
  readonly height: number;
  readonly width: number;
  /** [B, d] codes → [B, H·W] pixels in [0,1] (row-major, white digit on black); differentiable in z. */
  decode(z: tfTypes.Tensor2D): tfTypes.Tensor2D;
  /** VAE only: [B, H·W] pixels in [0,1] → the encoder's means μ(x), [B, d]. */
  readonly encodeMean?: (x: tfTypes.Tensor2D) => tfTypes.Tensor2D;
  /** Frees the weight tensors. */
  dispose(): void;
}

/**
 * Check a generator name.
 * @throws {UsageError} listing the valid names.
 */
export function latentGenerator(name: string): BundledGeneratorName {
  if (!(LATENT_GENERATORS as readonly string[]).includes(name)) throw new UsageError(`unknown generator '${name}' for the latent experiments; valid generators: ${LATENT_GENERATORS.join(', ')}`);
  return name as BundledGeneratorName;
}

function tensors(tf: Tf, table: ParamTable, weights: Weights): Vars {
  const v: Vars = {};
  for (const { name, shape } of table) v[name] = tf.tensor(weights[name], [...shape], 'float32');
  return v;
}

/**
 * A latent model from weights in memory (e.g. `initGanWeights(seed)` in tests): only the
 * generator's (GAN) or the encoder's and decoder's (VAE) parameters are used.
 */
export function createLatentModel(tf: Tf, generator: BundledGeneratorName, weights: Weights, modelPath = '(in memory)'): LatentModel {
  const common = { generator, modelPath, height: MNIST_SIZE, width: MNIST_SIZE };
  if (KIND[generator] === 'gan') {
    const v = tensors(tf, GENERATOR_PARAMS, weights);
    return {
      ...common,
      latentDim: GENERATOR_PARAMS[0].shape[0],
      decode: (z) => generate(tf, v, z),
      dispose: () => Object.values(v).forEach((t) => t.dispose()),
    };
  }
  const v = tensors(tf, [...ENCODER_PARAMS, ...DECODER_PARAMS], weights);
  return {
    ...common,
    latentDim: DECODER_PARAMS[0].shape[0],
    decode: (z) => tf.sigmoid(decodeLogits(tf, v, z)) as tfTypes.Tensor2D,
    encodeMean: (x) => encode(tf, v, x).mu,
    dispose: () => Object.values(v).forEach((t) => t.dispose()),
  };
}

/**
 * Load a bundled generator, or the same architecture from `modelDir` (a folder written by
 * `fidkit train gan|vae --out DIR`, or its `model.json`).
 * @throws {UsageError} an unknown generator; {@link FidkitError} when the model files are missing;
 *   {@link FormatError} when they hold another kind or architecture.
 */
export async function loadLatentModel(tf: Tf, generator: BundledGeneratorName, modelDir?: string): Promise<LatentModel> {
  latentGenerator(generator);
  const model = await readGenerativeModel(KIND[generator], modelDir ?? bundledModelDir(generator));
  return createLatentModel(tf, generator, model.weights, model.modelPath);
}

/** Decode `count` codes (row-major [count, d]) to pixels: [count, H·W] float32 in [0,1]. */
export function decodeCodes(tf: Tf, model: LatentModel, z: Float32Array, count: number): Float32Array {
  const out = tf.tidy(() => model.decode(tf.tensor2d(z, [count, model.latentDim])));
  const data = out.dataSync() as Float32Array;
  out.dispose();
  return data;
}

/** VAE encoder means of `count` images (row-major [count, H·W] in [0,1]): [count, d]. @throws {UsageError} for the GAN. */
export function encodeMeans(tf: Tf, model: LatentModel, x: Float32Array, count: number): Float32Array {
  const enc = model.encodeMean;
  if (!enc) throw new UsageError(`${model.generator} has no encoder: only mnist-vae maps images to latent codes (use \`fidkit latent reconstruct\` to fit a GAN code to an image)`);
  const out = tf.tidy(() => enc(tf.tensor2d(x, [count, model.height * model.width])));
  const data = out.dataSync() as Float32Array;
  out.dispose();
  return data;
}
