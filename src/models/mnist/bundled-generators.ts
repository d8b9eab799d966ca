/**
 * @file The bundled MNIST generators as ONNX graphs built at load time from their float32 weights
 * (`models/mnist-gan/`, `models/mnist-vae/`, written by `fidkit train gan|vae`), so sampling runs on
 * ONNX Runtime without loading TensorFlow.js — as the MNIST classifier does (`src/features/mnist/`).
 *
 * - GAN generator: the mapping `g.fc1 … g.fcK` of {@link GENERATOR_PARAMS} (LeakyReLU 0.2 between,
 *   linear output = a 16-d autoencoder code), then the decoder `g.dec.fc1 …` (ReLU between, sigmoid
 *   after the last): z [N, d] → [N, 28, 28, 1] in [0, 1].
 * - VAE decoder: `dec.fc1 …` of {@link DECODER_PARAMS} with ReLU between, sigmoid of the last layer's
 *   logits: z [N, 16] → [N, 28, 28, 1].
 * - VAE encoder mean: `enc.fc1 …` with ReLU, then `enc.mu`: images [N, 784] in [0, 1] → μ [N, 16]
 *   (for interpolating between the encodings of real digits).
 *
 * Layer widths and counts come from the parameter tables, never from constants here, so a retrained
 * architecture needs no change. The graphs reproduce `generate` (gan.ts) and `sigmoid(decodeLogits)`
 * / `encode` (vae.ts); test/generators/onnx-generator.test.ts checks they agree with tfjs to 1e-5.
 * The generator graphs carry `fidkit.layout = nhwc` and `fidkit.range = 0,1` metadata, so written to
 * a file they meet the user-generator contract of `onnx-generator.ts` as they are.
 */
import { createHash } from 'node:crypto';
import { InputError } from '../../core/errors.js';
import { GraphBuilder } from '../../onnx/graph-builder.js';
import { createSession, type SessionOptions } from '../../onnx/session.js';
import { GENERATOR_PARAMS, LEAK } from './gan.js';
import { bundledModelDir, readGenerativeModel, type BundledGeneratorName } from './model-files.js';
import { MNIST_SIZE } from './mnist-data.js';
import { loadOnnxGenerator, METADATA_LAYOUT_KEY, METADATA_RANGE_KEY, withMetadata, type OnnxGenerator } from '../../generators/onnx-generator.js';
import type { ParamTable, Weights } from '../../io/params.js';
import { DECODER_PARAMS, ENCODER_PARAMS } from './vae.js';

const LATENT_INPUT = 'z';
const IMAGE_OUTPUT = 'images';
/** Images per ONNX Runtime call of the encoder. */
const ENCODER_BATCH = 1000;

export interface BundledGeneratorOptions extends SessionOptions {
  /** A folder (or its model.json) written by `fidkit train gan|vae`; default the bundled model. */
  readonly model?: string;
  /** Codes per ONNX Runtime call (default that of `loadOnnxGenerator`). */
  readonly batchSize?: number;
}

/** The dense layers `<prefix>.fc1 … .fcK` of a table, in table order, with their in×out shapes. */
function denseLayers(table: ParamTable, prefix: string): { name: string; inputs: number; outputs: number }[] {
  const pattern = new RegExp(`^${prefix.replace('.', '\\.')}\\.(fc\\d+)\\.weight$`);
  return table.flatMap((p) => {
    const m = pattern.exec(p.name);
    return m ? [{ name: `${prefix}.${m[1]}`, inputs: p.shape[0], outputs: p.shape[1] }] : [];
  });
}

/** An MLP over `weights`: Gemm layers with `hidden` between them and `last` after the final one. */
function mlp(g: GraphBuilder, x: string, weights: Weights, layers: { name: string; inputs: number; outputs: number }[], hidden: (h: string) => string): string {
  let h = x;
  layers.forEach((layer, i) => {
    const w = g.initializer(`${layer.name}.weight`, weights[`${layer.name}.weight`], [layer.inputs, layer.outputs]);
    const b = g.initializer(`${layer.name}.bias`, weights[`${layer.name}.bias`], [layer.outputs]);
    h = g.gemm(h, w, b);
    if (i < layers.length - 1) h = hidden(h);
  });
  return h;
}

/** Pixels [N, 784] → [N, 28, 28, 1], named `images`, with the contract's metadata. */
function finishImages(g: GraphBuilder, pixels: string, outputs: number, latentDim: number, what: string): Uint8Array {
  if (outputs !== MNIST_SIZE * MNIST_SIZE) throw new InputError(`${what} ends in ${outputs} units, expected ${MNIST_SIZE}×${MNIST_SIZE} pixels`);
  const shape = g.initializer('image_shape', BigInt64Array.from([-1n, BigInt(MNIST_SIZE), BigInt(MNIST_SIZE), 1n]), [4]);
  const images = g.op('Reshape', [pixels, shape], {}, IMAGE_OUTPUT);
  g.output(images, 'float32', ['batch', MNIST_SIZE, MNIST_SIZE, 1]);
  const bytes = g.toBytes({ producerName: 'fidkit', docString: `fidkit ${what}: z [N, ${latentDim}] -> images [N, 28, 28, 1] in [0, 1]` });
  return withMetadata(bytes, { [METADATA_LAYOUT_KEY]: 'nhwc', [METADATA_RANGE_KEY]: '0,1' });
}

/**
 * The GAN generator's ONNX graph: input `z` [N, d], output `images` [N, 28, 28, 1] in [0, 1].
 * @throws {InputError} when the table's last layer is not 784 wide.
 */
export function buildGanGeneratorModel(weights: Weights): Uint8Array {
  const mapping = denseLayers(GENERATOR_PARAMS, 'g');
  const decoder = denseLayers(GENERATOR_PARAMS, 'g.dec');
  const g = new GraphBuilder('fidkit_mnist_gan_generator');
  const latentDim = mapping[0].inputs;
  const z = g.input(LATENT_INPUT, 'float32', ['batch', latentDim]);
  const code = mlp(g, z, weights, mapping, (h) => g.op('LeakyRelu', [h], { alpha: { float: LEAK } }));
  const logits = mlp(g, code, weights, decoder, (h) => g.relu(h));
  return finishImages(g, g.op('Sigmoid', [logits]), decoder.at(-1)!.outputs, latentDim, 'MNIST GAN generator');
}

/**
 * The VAE decoder's ONNX graph: input `z` [N, 16], output `images` = sigmoid(logits) [N, 28, 28, 1].
 * @throws {InputError} when the table's last layer is not 784 wide.
 */
export function buildVaeDecoderModel(weights: Weights): Uint8Array {
  const layers = denseLayers(DECODER_PARAMS, 'dec');
  const g = new GraphBuilder('fidkit_mnist_vae_decoder');
  const latentDim = layers[0].inputs;
  const z = g.input(LATENT_INPUT, 'float32', ['batch', latentDim]);
  const logits = mlp(g, z, weights, layers, (h) => g.relu(h));
  return finishImages(g, g.op('Sigmoid', [logits]), layers.at(-1)!.outputs, latentDim, 'MNIST VAE decoder');
}

/** The VAE encoder's mean as an ONNX graph: input `images` [N, 784] in [0, 1], output `mu` [N, 16]. */
export function buildVaeEncoderModel(weights: Weights): Uint8Array {
  const layers = denseLayers(ENCODER_PARAMS, 'enc');
  const muWeight = ENCODER_PARAMS.find((p) => p.name === 'enc.mu.weight')!;
  const g = new GraphBuilder('fidkit_mnist_vae_encoder');
  const x = g.input('images', 'float32', ['batch', layers[0].inputs]);
  const h = g.relu(mlp(g, x, weights, layers, (v) => g.relu(v)));
  const [hidden, latentDim] = muWeight.shape;
  const mu = g.gemm(h, g.initializer('enc.mu.weight', weights['enc.mu.weight'], [hidden, latentDim]), g.initializer('enc.mu.bias', weights['enc.mu.bias'], [latentDim]), {}, 'mu');
  g.output(mu, 'float32', ['batch', latentDim]);
  return g.toBytes({ producerName: 'fidkit', docString: `fidkit MNIST VAE encoder mean: images [N, ${layers[0].inputs}] in [0, 1] -> mu [N, ${latentDim}]` });
}

/**
 * Load a bundled generator (or a folder `fidkit train gan|vae` wrote, as `options.model`).
 * @example const gan = await loadBundledGenerator('mnist-gan'); const images = await gan.generate(z, 10);
 * @throws {FidkitError} `E_NOT_FOUND` when the model files are missing; {@link FormatError} when they
 *   are of another format or architecture.
 */
export async function loadBundledGenerator(name: BundledGeneratorName, options: BundledGeneratorOptions = {}): Promise<OnnxGenerator> {
  const kind = name === 'mnist-gan' ? 'gan' : 'vae';
  const { weights, bytes: weightBytes } = await readGenerativeModel(kind, options.model ?? bundledModelDir(name));
  const bytes = kind === 'gan' ? buildGanGeneratorModel(weights) : buildVaeDecoderModel(weights);
  const { model: _model, ...rest } = options;
  // The weights file decides the images (the graph is a function of it), so it is what the hash covers.
  const sha256 = createHash('sha256').update(weightBytes).digest('hex');
  return loadOnnxGenerator(bytes, { ...rest, name, sha256, layout: 'nhwc', range: '0,1' });
}

/** The VAE encoder's mean μ(x), on ONNX Runtime. */
export interface VaeEncoder {
  /** Width of μ (the VAE's latent dimension). */
  readonly latentDim: number;
  /** Pixels per image the encoder takes (784 = 28×28×1). */
  readonly inputSize: number;
  /**
   * μ of `count` images (row-major [count, 784] = [count, 28, 28, 1], values in [0, 1]): [count, latentDim].
   * @throws {InputError} when `images` has the wrong length.
   */
  encodeMean(images: Float32Array, count: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/**
 * Load the bundled VAE's encoder mean (or that of a folder `fidkit train vae` wrote).
 * @throws {FidkitError} `E_NOT_FOUND` when the model files are missing; {@link FormatError} when they
 *   are of another format or architecture.
 */
export async function loadBundledVaeEncoder(options: BundledGeneratorOptions = {}): Promise<VaeEncoder> {
  const { weights } = await readGenerativeModel('vae', options.model ?? bundledModelDir('mnist-vae'));
  const session = await createSession(buildVaeEncoderModel(weights), options);
  const inputSize = ENCODER_PARAMS[0].shape[0];
  const latentDim = ENCODER_PARAMS.find((p) => p.name === 'enc.mu.bias')!.shape[0];
  let disposed = false;
  return {
    latentDim,
    inputSize,
    async encodeMean(images, count) {
      if (disposed) throw new InputError('this VAE encoder was disposed; load it again');
      if (!Number.isInteger(count) || count < 0 || images.length !== count * inputSize) {
        throw new InputError(`the VAE encoder takes ${inputSize} pixels per image: got ${images.length} values for ${count} images, expected ${count * inputSize}`);
      }
      const out = new Float32Array(count * latentDim);
      for (let start = 0; start < count; start += ENCODER_BATCH) {
        const n = Math.min(ENCODER_BATCH, count - start);
        const { mu } = await session.run({ images: { data: images.subarray(start * inputSize, (start + n) * inputSize), dims: [n, inputSize] } }, ['mu']);
        out.set(mu.data, start * latentDim);
      }
      return out;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await session.release();
    },
  };
}
