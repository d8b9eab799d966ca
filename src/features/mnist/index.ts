/**
 * @file The MNIST feature extractor (`--extractor mnist`): fidkit's bundled digit classifier
 * (models/mnist-classifier/, trained by `fidkit train classifier`) run as an ONNX graph built at load
 * time from its float32 weights — no tfjs at scoring time, and loading takes tens of milliseconds.
 *
 * Layers: `logits` (10, the Inception Score's input: IS = exp E[KL(p(y|x) ‖ p(y))] over the
 * softmax of the logits) and `features` (128, the ReLU output of the penultimate dense layer, for
 * FID/KID/PRDC). Preprocessing (grayscale luma, resize to 28×28 only when needed, v/255) is in
 * `preprocess.ts`. The graph reproduces the tfjs forward pass of `src/models/mnist/classifier.ts`;
 * test/features/mnist/extractor.test.ts checks the two agree.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../core/errors.js';
import { GraphBuilder } from '../../onnx/graph-builder.js';
import { createSession, type OnnxSession, type SessionOptions } from '../../onnx/session.js';
import type { FeatureMatrix } from '../../core/types.js';
import { runInChunks } from '../chunked-run.js';
import type { ExtractorImage, FeatureExtractor, FeatureMetric } from '../extractor.js';
import { MNIST_INPUT_SIZE, writeMnistInput } from './preprocess.js';
import { CLASSIFIER_CLASSES, CLASSIFIER_FEATURE_DIM, readClassifierModel, type ClassifierWeights } from './weights.js';

export type MnistLayer = 'logits' | 'features';

export const MNIST_EXTRACTOR_NAME = 'mnist';

/** The layers and their widths. */
export const MNIST_DIMS: Readonly<Record<MnistLayer, number>> = Object.freeze({ logits: CLASSIFIER_CLASSES, features: CLASSIFIER_FEATURE_DIM });

/** The layer each metric reads: IS the logits, the others the penultimate features. */
export const MNIST_DEFAULT_LAYERS: Readonly<Record<FeatureMetric, MnistLayer>> = Object.freeze({ fid: 'features', kid: 'features', prdc: 'features', is: 'logits' });

/** Its one preprocessing (grayscale luma, 28×28, v/255; preprocess.ts). */
export const MNIST_PROTOCOL = 'mnist-luma';

/** The bundled classifier: `models/mnist-classifier/` of the installed package (this file sits three levels below the package root in src/ and in dist/). */
export const BUNDLED_MNIST_CLASSIFIER = fileURLToPath(new URL('../../../models/mnist-classifier/', import.meta.url));

/**
 * SHA-256 of the bundled classifier's `weights.bin`: what makes MNIST scores comparable across
 * machines (reports mark other classifiers `official: false`). Retraining the bundled model means
 * updating this (test/features/mnist/extractor.test.ts checks it against the file).
 */
export const BUNDLED_MNIST_CLASSIFIER_SHA256 = '36bf1263724e0868a4e7640285246fea23fb9d0913667eeae9170f3a911e830f';

/** Images per ONNX Runtime call (a 28×28 digit costs ~0.1 ms; larger calls amortise the overhead). */
const SESSION_BATCH = 1000;

const INPUT = 'image';

export interface MnistOptions extends SessionOptions {
  /** A classifier folder or its `model.json`; default {@link BUNDLED_MNIST_CLASSIFIER}. */
  readonly model?: string;
}

/**
 * Build the classifier's ONNX graph (NCHW input `image` [N,1,28,28] in [0,1]; outputs `logits`,
 * `features`) from its weights.
 */
export function buildMnistModel(weights: ClassifierWeights): Uint8Array {
  const g = new GraphBuilder('fidkit_mnist_classifier');
  const x = g.input(INPUT, 'float32', ['batch', 1, MNIST_INPUT_SIZE, MNIST_INPUT_SIZE]);
  const conv = (input: string, prefix: 'conv1' | 'conv2', kh: number, kw: number, cin: number, cout: number): string => {
    const w = g.initializer(`${prefix}.weight`, hwioToOihw(weights[`${prefix}.weight`], kh, kw, cin, cout), [cout, cin, kh, kw]);
    const b = g.initializer(`${prefix}.bias`, weights[`${prefix}.bias`], [cout]);
    return g.maxPool(g.relu(g.conv(input, w, b)), { kernel: [2, 2], strides: [2, 2] });
  };
  let h = conv(x, 'conv1', 3, 3, 1, 32);
  h = conv(h, 'conv2', 3, 3, 32, 64);
  // tfjs flattens NHWC, so go back to that order before the dense layers.
  const flat = g.flatten(g.transpose(h, [0, 2, 3, 1]), 1);
  const fc1 = g.gemm(flat, g.initializer('fc1.weight', weights['fc1.weight'], [1600, CLASSIFIER_FEATURE_DIM]), g.initializer('fc1.bias', weights['fc1.bias'], [CLASSIFIER_FEATURE_DIM]));
  const features = g.relu(fc1, 'features');
  const logits = g.gemm(features, g.initializer('fc2.weight', weights['fc2.weight'], [CLASSIFIER_FEATURE_DIM, CLASSIFIER_CLASSES]), g.initializer('fc2.bias', weights['fc2.bias'], [CLASSIFIER_CLASSES]), {}, 'logits');
  g.output(features, 'float32', ['batch', CLASSIFIER_FEATURE_DIM]);
  g.output(logits, 'float32', ['batch', CLASSIFIER_CLASSES]);
  return g.toBytes({ producerName: 'fidkit', docString: 'fidkit MNIST classifier (models/mnist-classifier)' });
}

function hwioToOihw(w: Float32Array, kh: number, kw: number, cin: number, cout: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + y) * kw + x] = w[((y * kw + x) * cin + i) * cout + o];
  return out;
}

/**
 * Load the MNIST extractor and the SHA-256 of its weights (for cache keys).
 * @throws {FidkitError} when the model files are missing or malformed, or onnxruntime cannot load.
 */
export async function loadMnistClassifier(options: MnistOptions = {}): Promise<{ extractor: FeatureExtractor<MnistLayer>; sha256: string; source: string }> {
  const source = options.model ?? BUNDLED_MNIST_CLASSIFIER;
  const { weights, bytes, modelPath } = await readClassifierModel(source);
  const session = await createSession(buildMnistModel(weights), options);
  return { extractor: new MnistExtractor(session), sha256: createHash('sha256').update(bytes).digest('hex'), source: modelPath };
}

class MnistExtractor implements FeatureExtractor<MnistLayer> {
  readonly name = MNIST_EXTRACTOR_NAME;
  readonly layers = Object.freeze(['logits', 'features']) as readonly MnistLayer[];
  readonly dims = MNIST_DIMS;
  readonly protocol = MNIST_PROTOCOL;
  private disposed = false;

  constructor(private readonly session: OnnxSession) {}

  defaultLayerFor(metric: FeatureMetric): MnistLayer {
    return MNIST_DEFAULT_LAYERS[metric];
  }

  async extract(batch: readonly ExtractorImage[], layers: readonly MnistLayer[] = this.layers): Promise<Record<MnistLayer, FeatureMatrix>> {
    if (this.disposed) throw new InputError('this MNIST extractor was disposed; load a new one');
    return runInChunks(batch, layers, {
      what: 'MNIST',
      session: this.session,
      inputName: INPUT,
      inputShape: [1, MNIST_INPUT_SIZE, MNIST_INPUT_SIZE],
      chunk: SESSION_BATCH,
      dims: MNIST_DIMS,
      write: writeMnistInput,
    });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.session.release();
  }
}
