/**
 * @file The MNIST classifier's network in TensorFlow.js: a small CNN, its seeded initialisation, its
 * forward pass and the weights' file format shared with the ONNX extractor (`src/features/mnist/`).
 *
 * Architecture (input 28×28×1, pixels / 255):
 *   conv 3×3, 32 filters, valid → ReLU → max-pool 2×2 (26→13)
 *   conv 3×3, 64 filters, valid → ReLU → max-pool 2×2 (11→5, floor)
 *   flatten (5·5·64 = 1600, NHWC order) → dense 128 → ReLU   = `features`
 *   dense 10                                                  = `logits`
 * 225,034 parameters (0.9 MB as float32). The parameter table and file format are in
 * `src/features/mnist/weights.ts`, shared with the extractor.
 *
 * tfjs's WebAssembly backend (15× faster here than the pure-JS one, see `tf.ts`) has no
 * `Conv2DBackpropFilter` kernel, so the convolutions carry their own gradient: the filter gradient is
 * an im2col matrix product (patchesᵀ·dy) and the input gradient a forward convolution of the padded
 * output gradient with the flipped, in/out-transposed filter (the identity conv2dᵀ(dy, W) =
 * conv2d(pad(dy, k−1), flip(W)ᵀ)), both kernels the WASM backend runs fast.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { CLASSIFIER_PARAMS, type ClassifierParamName, type ClassifierWeights } from '../../features/mnist/weights.js';
import { RandomState } from '../../random/random-state.js';
import type { Tf } from './tf.js';

/**
 * Seeded He-uniform initialisation (limit √(6/fan_in)), zero biases. Draws come from numpy's
 * legacy RandomState so a seed means the same weights on every machine and backend.
 */
export function initClassifierWeights(seed: number): ClassifierWeights {
  const rng = new RandomState(seed);
  const out = {} as ClassifierWeights;
  for (const { name, shape } of CLASSIFIER_PARAMS) {
    const size = shape.reduce((a: number, b: number) => a * b, 1);
    const data = new Float32Array(size);
    if (name.endsWith('.weight')) {
      const fanIn = shape.length === 4 ? shape[0] * shape[1] * shape[2] : shape[0];
      const limit = Math.sqrt(6 / fanIn);
      for (let i = 0; i < size; i++) data[i] = (2 * rng.randomSample() - 1) * limit;
    }
    out[name] = data;
  }
  return out;
}

/** The network on tfjs variables; create with {@link createClassifierNet}. */
export interface ClassifierNet {
  readonly variables: Record<ClassifierParamName, tfTypes.Variable>;
  /** Logits (and features) of a [B,28,28,1] batch scaled to [0,1]; call inside `tf.tidy`. */
  forward(x: tfTypes.Tensor4D): { logits: tfTypes.Tensor2D; features: tfTypes.Tensor2D };
  /** Current weights as plain arrays. */
  read(): Promise<ClassifierWeights>;
  dispose(): void;
}

/** Build the network's variables from `weights` and its forward pass. */
export function createClassifierNet(tf: Tf, weights: ClassifierWeights): ClassifierNet {
  const variables = {} as Record<ClassifierParamName, tfTypes.Variable>;
  for (const { name, shape } of CLASSIFIER_PARAMS) variables[name] = tf.variable(tf.tensor(weights[name], [...shape], 'float32'), true, name);
  const convFirst = validConv3x3(tf, false);
  const convInner = validConv3x3(tf, true);
  const v = variables;
  return {
    variables,
    forward(x) {
      let h = tf.maxPool(tf.relu(tf.add(convFirst(x, v['conv1.weight'] as tfTypes.Tensor4D), v['conv1.bias'])) as tfTypes.Tensor4D, 2, 2, 'valid');
      h = tf.maxPool(tf.relu(tf.add(convInner(h, v['conv2.weight'] as tfTypes.Tensor4D), v['conv2.bias'])) as tfTypes.Tensor4D, 2, 2, 'valid');
      const flat = tf.reshape(h, [h.shape[0], 1600]) as tfTypes.Tensor2D;
      const features = tf.relu(tf.add(tf.matMul(flat, v['fc1.weight'] as tfTypes.Tensor2D), v['fc1.bias'])) as tfTypes.Tensor2D;
      const logits = tf.add(tf.matMul(features, v['fc2.weight'] as tfTypes.Tensor2D), v['fc2.bias']) as tfTypes.Tensor2D;
      return { logits, features };
    },
    async read() {
      const out = {} as ClassifierWeights;
      for (const { name } of CLASSIFIER_PARAMS) out[name] = (await variables[name].data()) as Float32Array;
      return out;
    },
    dispose() {
      for (const { name } of CLASSIFIER_PARAMS) variables[name].dispose();
    },
  };
}

/**
 * A 3×3 stride-1 valid convolution (NHWC input, HWIO filter) with the gradient described in the
 * file comment. `inputGradient` false returns zeros for dx (the first layer's input is data).
 */
export function validConv3x3(tf: Tf, inputGradient: boolean): (x: tfTypes.Tensor4D, w: tfTypes.Tensor4D) => tfTypes.Tensor4D {
  const f = tf.customGrad((...args: unknown[]) => {
    const [x, w, save] = args as [tfTypes.Tensor4D, tfTypes.Tensor4D, (ts: tfTypes.Tensor[]) => void];
    save([x, w]);
    return {
      value: tf.conv2d(x, w, 1, 'valid'),
      gradFunc: (dy: tfTypes.Tensor | tfTypes.Tensor[], saved: tfTypes.Tensor[]) => {
        const g = dy as tfTypes.Tensor4D;
        const [xs, ws] = saved as [tfTypes.Tensor4D, tfTypes.Tensor4D];
        const [b, hIn, wIn, cIn] = xs.shape;
        const [hOut, wOut] = [hIn - 2, wIn - 2];
        const cOut = ws.shape[3];
        // im2col with patch order (ky, kx, cin) = the HWIO filter's row order.
        const parts: tfTypes.Tensor4D[] = [];
        for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) parts.push(tf.slice(xs, [0, ky, kx, 0], [b, hOut, wOut, cIn]));
        const cols = tf.reshape(tf.concat(parts, 3), [b * hOut * wOut, 9 * cIn]) as tfTypes.Tensor2D;
        const dw = tf.reshape(tf.matMul(cols, tf.reshape(g, [b * hOut * wOut, cOut]) as tfTypes.Tensor2D, true, false), ws.shape);
        const dx = inputGradient
          ? tf.conv2d(tf.pad(g, [[0, 0], [2, 2], [2, 2], [0, 0]]) as tfTypes.Tensor4D, tf.transpose(tf.reverse(ws, [0, 1]), [0, 1, 3, 2]) as tfTypes.Tensor4D, 1, 'valid')
          : tf.zerosLike(xs);
        return [dx, dw];
      },
    };
  });
  return (x, w) => f(x, w) as tfTypes.Tensor4D;
}
