/**
 * @file Inception Score of a trained GAN's or VAE's samples under the bundled MNIST classifier (the
 * issue 5 target: the GAN ≥ 9.0, the VAE lower). Samples N digits (latent codes from
 * RandomState(SEED)), classifies them with the tfjs classifier network (the same weights as the
 * `mnist` extractor; the two agree to < 1e-4) and prints the IS (10 splits, shuffled, torch-fidelity's
 * defaults). Run from the repository root:
 *
 *     node --import tsx scripts/generator-is.ts gan|vae MODEL_DIR [N=10000] [SEED=0]
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readClassifierModel } from '../src/features/mnist/weights.js';
import { BUNDLED_MNIST_CLASSIFIER } from '../src/features/mnist/index.js';
import { createClassifierNet } from '../src/generators/classifier.js';
import { GAN_PARAMS, sampleGan } from '../src/generators/gan.js';
import { unpackParams } from '../src/generators/params.js';
import { loadTf } from '../src/generators/tf.js';
import { sampleVae, VAE_PARAMS } from '../src/generators/vae.js';
import { inceptionScore } from '../src/metrics/inception-score.js';

const [kind, dir, n = '10000', seed = '0'] = process.argv.slice(2);
if ((kind !== 'gan' && kind !== 'vae') || !dir) throw new Error('usage: generator-is.ts gan|vae MODEL_DIR [N] [SEED]');
const count = Number(n);
const tf = await loadTf();
const weights = unpackParams(kind === 'gan' ? GAN_PARAMS : VAE_PARAMS, await readFile(join(dir, 'weights.bin')), join(dir, 'weights.bin'));
const pixels = kind === 'gan' ? await sampleGan(tf, weights, count, Number(seed)) : await sampleVae(tf, weights, count, Number(seed));
const net = createClassifierNet(tf, (await readClassifierModel(BUNDLED_MNIST_CLASSIFIER)).weights);
const logits = new Float32Array(count * 10);
for (let start = 0; start < count; start += 500) {
  const m = Math.min(500, count - start);
  const out = tf.tidy(() => net.forward(tf.tensor4d(pixels.subarray(start * 784, (start + m) * 784), [m, 28, 28, 1])).logits);
  logits.set(out.dataSync(), start * 10);
  out.dispose();
}
const r = inceptionScore({ data: logits, rows: count, cols: 10 });
console.log(`${kind} ${dir}: IS ${r.mean.toFixed(4)} ± ${r.std.toFixed(4)} over ${count} samples`);
