import { describe, expect, it } from 'vitest';
import { buildMnistModel } from '../../../src/features/mnist/index.js';
import { CLASSIFIER_PARAMS, classifierParamCount, packClassifierWeights, unpackClassifierWeights } from '../../../src/features/mnist/weights.js';
import { createClassifierNet, initClassifierWeights } from '../../../src/models/mnist/classifier.js';
import { loadMnist } from '../../../src/models/mnist/mnist-data.js';
import { loadTf } from '../../../src/models/mnist/tf.js';
import { createSession } from '../../../src/onnx/session.js';

describe('classifier weights', () => {
  it('has 225,034 parameters and seeded, bounded He-uniform initial weights', () => {
    expect(classifierParamCount()).toBe(225_034);
    const a = initClassifierWeights(7);
    const b = initClassifierWeights(7);
    const c = initClassifierWeights(8);
    const bytes = (w: typeof a) => Buffer.from(packClassifierWeights(w));
    expect(bytes(a).equals(bytes(b))).toBe(true);
    expect(bytes(a).equals(bytes(c))).toBe(false);
    const limit = Math.sqrt(6 / 288);
    expect(Math.max(...a['conv2.weight'].map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...a['conv2.weight'].map(Math.abs))).toBeGreaterThan(0.99 * limit);
    expect(a['fc1.bias'].every((v) => v === 0)).toBe(true);
  });

  it('round-trips through the weights file and rejects a file of the wrong size', () => {
    const w = initClassifierWeights(1);
    const back = unpackClassifierWeights(packClassifierWeights(w));
    for (const { name } of CLASSIFIER_PARAMS) expect(Buffer.from(back[name].buffer, back[name].byteOffset, back[name].byteLength).equals(Buffer.from(w[name].buffer))).toBe(true);
    expect(() => unpackClassifierWeights(new Uint8Array(12), 'x.bin')).toThrow('x.bin has 12 bytes, the MNIST classifier needs 900136 (225034 float32 parameters)');
  });
});

describe('tfjs network and ONNX graph', () => {
  it('give the same logits and features for the same weights (max |Δ| ≤ 1e-4)', async () => {
    const tf = await loadTf();
    const weights = initClassifierWeights(11);
    // Make the dense layers' biases non-zero so the test sees them.
    weights['fc1.bias'].fill(0.01);
    weights['fc2.bias'].forEach((_, i, a) => (a[i] = i / 10));
    const test = await loadMnist('test');
    const n = 64;
    const input = Float32Array.from(test.images.subarray(0, n * 784), (v) => v / 255);
    const net = createClassifierNet(tf, weights);
    const [tfLogits, tfFeatures] = tf.tidy(() => {
      const out = net.forward(tf.tensor4d(input, [n, 28, 28, 1]));
      return [out.logits.dataSync(), out.features.dataSync()];
    });
    net.dispose();
    const session = await createSession(buildMnistModel(weights));
    const got = await session.run({ image: { data: input, dims: [n, 1, 28, 28] } });
    await session.release();
    expect(got.logits.dims).toEqual([n, 10]);
    expect(got.features.dims).toEqual([n, 128]);
    // float32 sums in a different order (XNNPACK vs MLAS): values are O(1), so 1e-4 is ~1000 ulps of slack.
    const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
    expect(maxDiff(got.logits.data, tfLogits)).toBeLessThan(1e-4);
    expect(maxDiff(got.features.data, tfFeatures)).toBeLessThan(1e-4);
    expect(Math.max(...tfFeatures)).toBeGreaterThan(0.05); // not a dead network
  });
});
