/**
 * @file The MNIST variational autoencoder (Kingma & Welling 2014) in TensorFlow.js: an MLP encoder
 * and decoder with a 16-dimensional Gaussian latent, trained on the ELBO with a Bernoulli likelihood
 * (pixels / 255 as the Bernoulli means' targets, i.e. sigmoid cross-entropy on the decoder's logits).
 *
 * Architecture (ReLU):
 *   encoder: 784 → dense 400 → (dense 16 = μ, dense 16 = log σ²)
 *   decoder: z (16) → dense 400 → dense 784 = logits; pixels = sigmoid(logits)
 * 648,016 parameters in all (encoder 326,832 + decoder 321,184).
 *
 * Per digit x: z = μ + σ·ε with ε ~ N(0, I) drawn from the step's seeded RandomState
 * (reparameterisation), reconstruction term −log p(x|z) = Σ_pixels BCE(x, sigmoid(logits)),
 * KL(q(z|x) ‖ N(0,I)) = ½ Σ (μ² + σ² − log σ² − 1); loss = mean over the batch of (reconstruction + KL)
 * = −ELBO in nats per digit. Adam lr 1e-3 (β1 0.9, β2 0.999, ε 1e-7), batch 64.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { RandomState } from '../../random/random-state.js';
import { createAdam, createVariables, type AdamHyper } from './adam.js';
import type { ModelSpec } from './generative-train.js';
import { dense, type Vars } from './matmul.js';
import { MNIST_SIZE } from './mnist-data.js';
import { fillNormal, initDense, type ParamTable, type Weights } from '../../io/params.js';
import type { Tf } from './tf.js';

export const VAE_FORMAT = 'fidkit.mnist-vae/1';
/** Dimension of the latent code. */
export const VAE_LATENT_DIM = 16;
export const VAE_BATCH_SIZE = 64;
const HIDDEN = 400;
const PIXELS = MNIST_SIZE * MNIST_SIZE;
const LR = 1e-3;
const ADAM: AdamHyper = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

export const ENCODER_PARAMS: ParamTable = [
  { name: 'enc.fc1.weight', shape: [PIXELS, HIDDEN] },
  { name: 'enc.fc1.bias', shape: [HIDDEN] },
  { name: 'enc.mu.weight', shape: [HIDDEN, VAE_LATENT_DIM] },
  { name: 'enc.mu.bias', shape: [VAE_LATENT_DIM] },
  { name: 'enc.logvar.weight', shape: [HIDDEN, VAE_LATENT_DIM] },
  { name: 'enc.logvar.bias', shape: [VAE_LATENT_DIM] },
];
export const DECODER_PARAMS: ParamTable = [
  { name: 'dec.fc1.weight', shape: [VAE_LATENT_DIM, HIDDEN] },
  { name: 'dec.fc1.bias', shape: [HIDDEN] },
  { name: 'dec.fc2.weight', shape: [HIDDEN, PIXELS] },
  { name: 'dec.fc2.bias', shape: [PIXELS] },
];
/** File order: the encoder, then the decoder. */
export const VAE_PARAMS: ParamTable = [...ENCODER_PARAMS, ...DECODER_PARAMS];

/** Seeded He-uniform weights, zero biases, drawn in {@link VAE_PARAMS} order from `RandomState(seed)`. */
export function initVaeWeights(seed: number): Weights {
  return initDense(VAE_PARAMS, new RandomState(seed));
}

/** Encoder: [B,784] pixels in [0,1] → μ and log σ², each [B,16]. Call inside `tf.tidy`. */
export function encode(tf: Tf, v: Vars, x: tfTypes.Tensor2D): { mu: tfTypes.Tensor2D; logVar: tfTypes.Tensor2D } {
  const h = tf.relu(dense(tf, v, 'enc.fc1', x)) as tfTypes.Tensor2D;
  return { mu: dense(tf, v, 'enc.mu', h), logVar: dense(tf, v, 'enc.logvar', h) };
}

/** Decoder: [B,16] codes → [B,784] logits (pixels = sigmoid). Call inside `tf.tidy`. */
export function decodeLogits(tf: Tf, v: Vars, z: tfTypes.Tensor2D): tfTypes.Tensor2D {
  return dense(tf, v, 'dec.fc2', tf.relu(dense(tf, v, 'dec.fc1', z)) as tfTypes.Tensor2D);
}

/**
 * Per-digit reconstruction term (Σ BCE, nats) and KL for a batch, with ε given. Call inside `tf.tidy`.
 * BCE from logits l and targets x: max(l,0) − l·x + log(1 + e^−|l|), stable for any l.
 */
function elboTerms(tf: Tf, v: Vars, x: tfTypes.Tensor2D, eps: tfTypes.Tensor2D): { recon: tfTypes.Tensor1D; kl: tfTypes.Tensor1D; squaredError: tfTypes.Tensor1D } {
  const { mu, logVar } = encode(tf, v, x);
  const z = tf.add(mu, tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps)) as tfTypes.Tensor2D;
  const l = decodeLogits(tf, v, z);
  const bce = tf.add(tf.sub(tf.relu(l), tf.mul(l, x)), tf.log1p(tf.exp(tf.neg(tf.abs(l)))));
  const recon = tf.sum(bce, 1) as tfTypes.Tensor1D;
  const kl = tf.mul(tf.sum(tf.sub(tf.add(tf.square(mu), tf.exp(logVar)), tf.add(logVar, 1)), 1), 0.5) as tfTypes.Tensor1D;
  const squaredError = tf.sum(tf.square(tf.sub(tf.sigmoid(l), x)), 1) as tfTypes.Tensor1D;
  return { recon, kl, squaredError };
}

/** Distinguishes the tfjs variable names of sessions alive at once. */
let nextId = 0;

/** The VAE's training description for {@link trainModel}. */
export function vaeSpec(): ModelSpec {
  return {
    model: 'vae',
    format: VAE_FORMAT,
    params: VAE_PARAMS,
    batchSize: VAE_BATCH_SIZE,
    recorded: ['loss', 'reconstruction', 'kl'],
    options: {},
    learningRate: () => LR,
    init: initVaeWeights,
    command: (steps, seed) => `fidkit train vae --steps ${steps} --seed ${seed}`,
    describe: () => ({
      architecture: 'MLP; encoder 784 -> 400 ReLU -> (mu 16, logvar 16); decoder 16 -> 400 ReLU -> 784 logits (sigmoid = pixels)',
      latentDim: VAE_LATENT_DIM,
      likelihood: 'Bernoulli (sigmoid cross-entropy against pixel/255)',
      prior: 'standard normal',
      output: '28x28 grayscale in [0,1] (row-major, white digit on black)',
      optimizer: `Adam(lr ${LR}, beta1 ${ADAM.beta1}, beta2 ${ADAM.beta2}, eps ${ADAM.epsilon})`,
    }),
    createSession(tf, weights, moments) {
      const prefix = `vae${nextId++}/`;
      const variables = createVariables(tf, VAE_PARAMS, weights, prefix);
      const adam = createAdam(tf, VAE_PARAMS, variables, ADAM, moments);
      const list = VAE_PARAMS.map((p) => variables[p.name]);
      const eps = new Float32Array(VAE_BATCH_SIZE * VAE_LATENT_DIM);
      return {
        step(batch, noise, lr, t) {
          return tf.tidy(() => {
            const x = tf.tensor2d(batch, [VAE_BATCH_SIZE, PIXELS]);
            const e = tf.tensor2d(fillNormal(noise, eps), [VAE_BATCH_SIZE, VAE_LATENT_DIM]);
            let parts: tfTypes.Scalar[] = [];
            const { value, grads } = tf.variableGrads(() => {
              const { recon, kl } = elboTerms(tf, variables, x, e);
              parts = [tf.keep(tf.mean(recon)), tf.keep(tf.mean(kl))];
              return tf.add(parts[0], parts[1]) as tfTypes.Scalar;
            }, list);
            adam.apply(Object.fromEntries(Object.entries(grads).map(([k, g]) => [k.slice(prefix.length), g])), lr, t);
            const out = [value, ...parts].map((s) => s.dataSync()[0]);
            for (const p of parts) p.dispose();
            return out;
          });
        },
        async read() {
          const out: Weights = {};
          for (const { name } of VAE_PARAMS) out[name] = (await variables[name].data()) as Float32Array;
          return { weights: out, ...(await adam.read()) };
        },
        async evaluate(test, count, seed) {
          // One ε draw per digit from RandomState(seed): a single-sample estimate of the test ELBO.
          const rng = new RandomState(seed);
          const chunk = 500;
          let recon = 0;
          let kl = 0;
          let se = 0;
          for (let start = 0; start < count; start += chunk) {
            const n = Math.min(chunk, count - start);
            const x = new Float32Array(n * PIXELS);
            for (let i = 0; i < n * PIXELS; i++) x[i] = test.images[start * PIXELS + i] / 255;
            const e = fillNormal(rng, new Float32Array(n * VAE_LATENT_DIM));
            const sums = tf.tidy(() => {
              const r = elboTerms(tf, variables, tf.tensor2d(x, [n, PIXELS]), tf.tensor2d(e, [n, VAE_LATENT_DIM]));
              return tf.stack([tf.sum(r.recon), tf.sum(r.kl), tf.sum(r.squaredError)]);
            });
            const [a, b, c] = sums.dataSync();
            sums.dispose();
            recon += a;
            kl += b;
            se += c;
          }
          return {
            testElbo: -(recon + kl) / count,
            testReconstructionNats: recon / count,
            testKl: kl / count,
            testReconstructionMse: se / (count * PIXELS),
          };
        },
        dispose() {
          adam.dispose();
          for (const v of Object.values(variables)) v.dispose();
        },
      };
    },
  };
}

/** Decode `count` codes drawn from N(0, I) by `RandomState(seed)`: [count, 784] pixels in [0,1]. */
export async function sampleVae(tf: Tf, weights: Weights, count: number, seed: number): Promise<Float32Array> {
  const codes = fillNormal(new RandomState(seed), new Float32Array(count * VAE_LATENT_DIM));
  const out = tf.tidy(() => {
    const v: Vars = {};
    for (const { name, shape } of DECODER_PARAMS) v[name] = tf.tensor(weights[name], [...shape]);
    return tf.sigmoid(decodeLogits(tf, v, tf.tensor2d(codes, [count, VAE_LATENT_DIM])));
  });
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return data;
}
