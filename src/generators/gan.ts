/**
 * @file The MNIST GAN (Goodfellow et al. 2014) in TensorFlow.js: an MLP generator and discriminator,
 * their seeded initialisation, and one training step with the non-saturating or the saturating
 * (minimax) generator loss, recording per step the discriminator and generator losses and the
 * generator's gradient norm.
 *
 * Architecture (LeakyReLU slope 0.2, no batch norm, so a step depends on nothing but its batch):
 *   G: z (64, standard normal) → dense 256 → dense 512 → dense 784 → sigmoid = pixels in [0,1]
 *   D: 784 → dense 512 → dense 256 → dense 1 = logit of "real"
 * 550,416 + 533,505 = 1,083,921 parameters. MLP rather than DCGAN, measured
 * (scripts/generator-step-times.ts, 2-core machine, WASM backend, batch 64, same load): a whole MLP
 * step (D and G updates) takes 0.06–0.07 s, while a small DCGAN's forward passes alone (transposed
 * convolutions 7→14→28, conv D 28→14→7) take 0.73 s — and its backward pass would need hand-written
 * filter gradients for every (transposed) convolution, as the classifier's convolutions have, since
 * the WASM backend has no `Conv2DBackpropFilter` kernel.
 *
 * Losses, with l = D's logit and σ the sigmoid, using log σ(l) = −softplus(−l) and
 * log(1 − σ(l)) = −softplus(l) so nothing overflows:
 *   D:                   mean softplus(−l_real) + mean softplus(l_fake)
 *   G, non-saturating:   mean softplus(−l_fake)        (= −log D(G(z)))
 *   G, saturating:       −mean softplus(l_fake)        (= log(1 − D(G(z))), minimised)
 * The saturating loss's gradient vanishes when D confidently rejects the fakes (σ(l_fake) → 0), which
 * is what the recorded generator gradient norm shows early in training.
 * Optimiser: Adam, lr 2e-4, β1 0.5, β2 0.999, ε 1e-7 (Radford et al. 2016's settings), one D step then
 * one G step per batch of 64, each on fresh latent codes.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { RandomState } from '../random/random-state.js';
import { createAdam, createVariables, type AdamHyper } from './adam.js';
import type { ModelSpec } from './generative-train.js';
import { dense, type Vars } from './matmul.js';
import { MNIST_SIZE } from './mnist-data.js';
import { fillNormal, initDense, type ParamTable, type Weights } from './params.js';
import type { Tf } from './tf.js';

export type GanLoss = 'non-saturating' | 'saturating';
export const GAN_LOSSES: readonly GanLoss[] = ['non-saturating', 'saturating'];
export const GAN_FORMAT = 'fidkit.mnist-gan/1';
/** Dimension of the generator's latent code z. */
export const GAN_LATENT_DIM = 64;
export const GAN_BATCH_SIZE = 64;
const PIXELS = MNIST_SIZE * MNIST_SIZE;
const LR = 2e-4;
const ADAM: AdamHyper = { beta1: 0.5, beta2: 0.999, epsilon: 1e-7 };
const LEAK = 0.2;

export const GENERATOR_PARAMS: ParamTable = [
  { name: 'g.fc1.weight', shape: [GAN_LATENT_DIM, 256] },
  { name: 'g.fc1.bias', shape: [256] },
  { name: 'g.fc2.weight', shape: [256, 512] },
  { name: 'g.fc2.bias', shape: [512] },
  { name: 'g.fc3.weight', shape: [512, PIXELS] },
  { name: 'g.fc3.bias', shape: [PIXELS] },
];
export const DISCRIMINATOR_PARAMS: ParamTable = [
  { name: 'd.fc1.weight', shape: [PIXELS, 512] },
  { name: 'd.fc1.bias', shape: [512] },
  { name: 'd.fc2.weight', shape: [512, 256] },
  { name: 'd.fc2.bias', shape: [256] },
  { name: 'd.fc3.weight', shape: [256, 1] },
  { name: 'd.fc3.bias', shape: [1] },
];
/** File order: the generator, then the discriminator. */
export const GAN_PARAMS: ParamTable = [...GENERATOR_PARAMS, ...DISCRIMINATOR_PARAMS];

/** Seeded He-uniform weights, zero biases, drawn in {@link GAN_PARAMS} order from `RandomState(seed)`. */
export function initGanWeights(seed: number): Weights {
  return initDense(GAN_PARAMS, new RandomState(seed));
}

/** Generator: [B, 64] latent codes → [B, 784] pixels in [0,1]. Call inside `tf.tidy`. */
export function generate(tf: Tf, v: Vars, z: tfTypes.Tensor2D): tfTypes.Tensor2D {
  let h = tf.leakyRelu(dense(tf, v, 'g.fc1', z), LEAK) as tfTypes.Tensor2D;
  h = tf.leakyRelu(dense(tf, v, 'g.fc2', h), LEAK) as tfTypes.Tensor2D;
  return tf.sigmoid(dense(tf, v, 'g.fc3', h)) as tfTypes.Tensor2D;
}

/** Discriminator: [B, 784] pixels in [0,1] → [B] logits of "real". Call inside `tf.tidy`. */
export function discriminate(tf: Tf, v: Vars, x: tfTypes.Tensor2D): tfTypes.Tensor1D {
  let h = tf.leakyRelu(dense(tf, v, 'd.fc1', x), LEAK) as tfTypes.Tensor2D;
  h = tf.leakyRelu(dense(tf, v, 'd.fc2', h), LEAK) as tfTypes.Tensor2D;
  return tf.reshape(dense(tf, v, 'd.fc3', h), [-1]) as tfTypes.Tensor1D;
}

/** The GAN's training description for {@link trainModel}. */
export function ganSpec(loss: GanLoss = 'non-saturating'): ModelSpec {
  return {
    model: 'gan',
    format: GAN_FORMAT,
    params: GAN_PARAMS,
    batchSize: GAN_BATCH_SIZE,
    recorded: ['gLoss', 'dLoss', 'gGradNorm'],
    options: { loss },
    learningRate: () => LR,
    init: initGanWeights,
    command: (steps, seed) => `fidkit train gan --loss ${loss} --steps ${steps} --seed ${seed}`,
    describe: () => ({
      architecture: 'MLP; G: z 64 -> 256 -> 512 -> 784 sigmoid; D: 784 -> 512 -> 256 -> 1 logit; LeakyReLU 0.2',
      latentDim: GAN_LATENT_DIM,
      latent: 'standard normal',
      output: '28x28 grayscale in [0,1] (row-major, white digit on black)',
      optimizer: `Adam(lr ${LR}, beta1 ${ADAM.beta1}, beta2 ${ADAM.beta2}, eps ${ADAM.epsilon}); one D step then one G step per batch`,
    }),
    createSession(tf, weights, moments) {
      const prefix = `gan${nextId++}/`;
      const variables = createVariables(tf, GAN_PARAMS, weights, prefix);
      const adam = createAdam(tf, GAN_PARAMS, variables, ADAM, moments);
      const gList = GENERATOR_PARAMS.map((p) => variables[p.name]);
      const dList = DISCRIMINATOR_PARAMS.map((p) => variables[p.name]);
      const strip = (grads: Record<string, tfTypes.Tensor>) => Object.fromEntries(Object.entries(grads).map(([k, g]) => [k.slice(prefix.length), g]));
      const z = new Float32Array(GAN_BATCH_SIZE * GAN_LATENT_DIM);
      return {
        step(batch, noise, lr, t) {
          return tf.tidy(() => {
            const real = tf.tensor2d(batch, [GAN_BATCH_SIZE, PIXELS]);
            // Discriminator step on real digits and a batch of fakes (the generator held fixed).
            const zD = tf.tensor2d(fillNormal(noise, z), [GAN_BATCH_SIZE, GAN_LATENT_DIM]);
            const d = tf.variableGrads(() => {
              const fake = generate(tf, variables, zD);
              const logits = discriminate(tf, variables, tf.concat([real, fake], 0) as tfTypes.Tensor2D);
              const [lReal, lFake] = tf.split(logits, 2);
              return tf.add(tf.mean(tf.softplus(tf.neg(lReal))), tf.mean(tf.softplus(lFake))) as tfTypes.Scalar;
            }, dList);
            adam.apply(strip(d.grads), lr, t);
            // Generator step on fresh codes, against the updated discriminator.
            const zG = tf.tensor2d(fillNormal(noise, z), [GAN_BATCH_SIZE, GAN_LATENT_DIM]);
            const g = tf.variableGrads(() => {
              const lFake = discriminate(tf, variables, generate(tf, variables, zG));
              return (loss === 'saturating' ? tf.neg(tf.mean(tf.softplus(lFake))) : tf.mean(tf.softplus(tf.neg(lFake)))) as tfTypes.Scalar;
            }, gList);
            const gradNorm = tf.sqrt(tf.addN(Object.values(g.grads).map((x) => tf.sum(tf.square(x)))));
            adam.apply(strip(g.grads), lr, t);
            const [gLoss, dLoss, norm] = [g.value, d.value, gradNorm].map((x) => x.dataSync()[0]);
            return [gLoss, dLoss, norm];
          });
        },
        async read() {
          const out: Weights = {};
          for (const { name } of GAN_PARAMS) out[name] = (await variables[name].data()) as Float32Array;
          return { weights: out, ...(await adam.read()) };
        },
        async evaluate(test, count, seed) {
          // D's mean probability of "real" on test digits and on as many fakes, and the losses there.
          const rng = new RandomState(seed);
          const chunk = 500;
          let pReal = 0;
          let pFake = 0;
          for (let start = 0; start < count; start += chunk) {
            const n = Math.min(chunk, count - start);
            const x = new Float32Array(n * PIXELS);
            for (let i = 0; i < n * PIXELS; i++) x[i] = test.images[start * PIXELS + i] / 255;
            const codes = fillNormal(rng, new Float32Array(n * GAN_LATENT_DIM));
            const [a, b] = tf.tidy(() => {
              const real = tf.sigmoid(discriminate(tf, variables, tf.tensor2d(x, [n, PIXELS])));
              const fake = tf.sigmoid(discriminate(tf, variables, generate(tf, variables, tf.tensor2d(codes, [n, GAN_LATENT_DIM]))));
              return [tf.sum(real), tf.sum(fake)];
            });
            pReal += a.dataSync()[0];
            pFake += b.dataSync()[0];
            a.dispose();
            b.dispose();
          }
          return { testDRealProbability: pReal / count, fakeDRealProbability: pFake / count };
        },
        dispose() {
          adam.dispose();
          for (const v of Object.values(variables)) v.dispose();
        },
      };
    },
  };
}

/** Distinguishes the tfjs variable names of sessions alive at once. */
let nextId = 0;

/**
 * Generate `count` digits from `weights` with latent codes from `RandomState(seed)`: row-major
 * [count, 784] pixels in [0,1].
 */
export async function sampleGan(tf: Tf, weights: Weights, count: number, seed: number): Promise<Float32Array> {
  const rng = new RandomState(seed);
  const codes = fillNormal(rng, new Float32Array(count * GAN_LATENT_DIM));
  const out = tf.tidy(() => {
    const v: Vars = {};
    for (const { name, shape } of GENERATOR_PARAMS) v[name] = tf.tensor(weights[name], [...shape]);
    return generate(tf, v, tf.tensor2d(codes, [count, GAN_LATENT_DIM]));
  });
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return data;
}
