/**
 * @file The MNIST GAN (Goodfellow et al. 2014) in TensorFlow.js: an MLP generator and discriminator,
 * their seeded initialisation, and one training step with the non-saturating or the saturating
 * (minimax) generator loss, recording per step the discriminator and generator losses and the
 * generator's gradient norm.
 *
 * Architecture (LeakyReLU slope 0.2, no batch norm, so a step depends on nothing but its batch):
 *   G: z (64, standard normal) → dense 256 → dense 512 → dense 784 → sigmoid = pixels in [0,1]
 *   D: 784 → dense 512 → dense 256 → dense 1 = logit of "real", every weight matrix spectrally
 *      normalised (Miyato et al. 2018: W/σ(W), σ by one power iteration per D evaluation, u kept
 *      between steps as `d.fcK.u`)
 * 550,416 + 533,505 = 1,083,921 trained parameters, plus the state below. Sampling uses an
 * exponential moving average of G's weights (`g_ema.*`, decay min(0.999, (1+t)/(10+t)); Yazıcı et
 * al. 2019), which the model file's reader hands out as the generator. Both SN and the EMA were
 * measured on this machine (scripts/gan-experiment.ts, IS of 5,000 samples under the bundled
 * classifier at 4,000 steps): plain 4.24, + EMA 4.77, + SN + EMA 5.44. MLP rather than DCGAN, measured
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
/** LeakyReLU slope of both networks (the ONNX export uses it too). */
export const LEAK = 0.2;
/** Decay of the generator's weight average. */
const EMA_DECAY = 0.999;

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
/** Power-iteration vectors of D's spectral normalisation (one per weight matrix, its output width). */
export const SPECTRAL_PARAMS: ParamTable = DISCRIMINATOR_PARAMS.filter((p) => p.name.endsWith('.weight')).map((p) => ({ name: p.name.replace('.weight', '.u'), shape: [p.shape[1]] }));
/** The moving average of the generator's weights: what sampling uses. */
export const GENERATOR_EMA_PARAMS: ParamTable = GENERATOR_PARAMS.map((p) => ({ name: p.name.replace(/^g\./, 'g_ema.'), shape: p.shape }));
/** File order: the generator, the discriminator, the SN vectors, the generator's average. */
export const GAN_PARAMS: ParamTable = [...GENERATOR_PARAMS, ...DISCRIMINATOR_PARAMS, ...SPECTRAL_PARAMS, ...GENERATOR_EMA_PARAMS];
/** What the optimiser updates. */
const TRAINED_PARAMS: ParamTable = [...GENERATOR_PARAMS, ...DISCRIMINATOR_PARAMS];

/**
 * Seeded weights from `RandomState(seed)`: He-uniform G and D (zero biases) in table order, then
 * unit-norm normal SN vectors; the average starts equal to G.
 */
export function initGanWeights(seed: number): Weights {
  const rng = new RandomState(seed);
  const w = initDense(TRAINED_PARAMS, rng);
  for (const p of SPECTRAL_PARAMS) {
    const u = fillNormal(rng, new Float32Array(p.shape[0]));
    const norm = Math.hypot(...u);
    w[p.name] = u.map((x) => x / norm);
  }
  for (const p of GENERATOR_EMA_PARAMS) w[p.name] = Float32Array.from(w[p.name.replace(/^g_ema\./, 'g.')]);
  return w;
}

/** The sampling generator of trained weights: G's moving average under G's names (what {@link generate} reads). */
export function samplingWeights(weights: Weights): Weights {
  return Object.fromEntries(GENERATOR_PARAMS.map((p) => [p.name, weights[p.name.replace(/^g\./, 'g_ema.')]]));
}

/** Generator: [B, 64] latent codes → [B, 784] pixels in [0,1]. Call inside `tf.tidy`. */
export function generate(tf: Tf, v: Vars, z: tfTypes.Tensor2D): tfTypes.Tensor2D {
  let h = tf.leakyRelu(dense(tf, v, 'g.fc1', z), LEAK) as tfTypes.Tensor2D;
  h = tf.leakyRelu(dense(tf, v, 'g.fc2', h), LEAK) as tfTypes.Tensor2D;
  return tf.sigmoid(dense(tf, v, 'g.fc3', h)) as tfTypes.Tensor2D;
}

/**
 * One power iteration per D weight matrix W [in,out] on the stored u [out]: v = W·u/‖W·u‖,
 * u ← Wᵀ·v/‖Wᵀ·v‖ (assigned), and the normalised weights W/σ with σ = vᵀ·W·u. Runs outside the
 * gradient tape except σ's dependence on W, which is differentiated (u and v are constants, as in
 * Miyato et al.). Returns D's variables with the weights replaced. Call inside `tf.tidy`.
 */
function spectrallyNormalised(tf: Tf, variables: Record<string, tfTypes.Variable>, update = true): { vectors: Record<string, [tfTypes.Tensor, tfTypes.Tensor]> } {
  const vectors: Record<string, [tfTypes.Tensor, tfTypes.Tensor]> = {};
  for (const p of SPECTRAL_PARAMS) {
    const wName = p.name.replace('.u', '.weight');
    const w = variables[wName] as tfTypes.Tensor2D;
    const u = tf.reshape(variables[p.name], [-1, 1]) as tfTypes.Tensor2D;
    const v = tf.matMul(w, u);
    const vn = tf.div(v, tf.add(tf.norm(v), 1e-12));
    const un = tf.matMul(tf.transpose(w), vn);
    const unn = tf.div(un, tf.add(tf.norm(un), 1e-12));
    if (update) variables[p.name].assign(tf.reshape(unn, [-1]));
    vectors[wName] = [vn, unn];
  }
  return { vectors };
}

/** D's variables with each weight W replaced by W/σ (σ = vᵀWu, differentiable in W). Call inside the tape. */
function normalisedVars(tf: Tf, variables: Vars, vectors: Record<string, [tfTypes.Tensor, tfTypes.Tensor]>): Vars {
  const out: Vars = { ...variables };
  for (const [wName, [v, u]] of Object.entries(vectors)) {
    const w = variables[wName] as tfTypes.Tensor2D;
    const sigma = tf.sum(tf.mul(v, tf.matMul(w, u as tfTypes.Tensor2D)));
    out[wName] = tf.div(w, tf.maximum(sigma, 1e-12));
  }
  return out;
}

/** Discriminator: [B, 784] pixels in [0,1] → [B] logits of "real" (pass spectrally normalised weights). Call inside `tf.tidy`. */
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
    optimised: TRAINED_PARAMS,
    batchSize: GAN_BATCH_SIZE,
    recorded: ['gLoss', 'dLoss', 'gGradNorm'],
    options: { loss },
    learningRate: () => LR,
    init: initGanWeights,
    command: (steps, seed) => `fidkit train gan --loss ${loss} --steps ${steps} --seed ${seed}`,
    describe: () => ({
      architecture: 'MLP; G: z 64 -> 256 -> 512 -> 784 sigmoid; D: 784 -> 512 -> 256 -> 1 logit, spectrally normalised; LeakyReLU 0.2; sampling uses the EMA of G (g_ema.*)',
      latentDim: GAN_LATENT_DIM,
      latent: 'standard normal',
      output: '28x28 grayscale in [0,1] (row-major, white digit on black)',
      optimizer: `Adam(lr ${LR}, beta1 ${ADAM.beta1}, beta2 ${ADAM.beta2}, eps ${ADAM.epsilon}); one D step then one G step per batch; G EMA decay min(${EMA_DECAY}, (1+t)/(10+t))`,
    }),
    createSession(tf, weights, moments) {
      const prefix = `gan${nextId++}/`;
      const variables = createVariables(tf, GAN_PARAMS, weights, prefix);
      const adam = createAdam(tf, TRAINED_PARAMS, variables, ADAM, moments);
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
            const fake = generate(tf, variables, zD);
            const snD = spectrallyNormalised(tf, variables);
            const d = tf.variableGrads(() => {
              const logits = discriminate(tf, normalisedVars(tf, variables, snD.vectors), tf.concat([real, fake], 0) as tfTypes.Tensor2D);
              const [lReal, lFake] = tf.split(logits, 2);
              return tf.add(tf.mean(tf.softplus(tf.neg(lReal))), tf.mean(tf.softplus(lFake))) as tfTypes.Scalar;
            }, dList);
            adam.apply(strip(d.grads), lr, t);
            // Generator step on fresh codes, against the updated discriminator.
            const zG = tf.tensor2d(fillNormal(noise, z), [GAN_BATCH_SIZE, GAN_LATENT_DIM]);
            const snG = spectrallyNormalised(tf, variables);
            const g = tf.variableGrads(() => {
              const lFake = discriminate(tf, normalisedVars(tf, variables, snG.vectors), generate(tf, variables, zG));
              return (loss === 'saturating' ? tf.neg(tf.mean(tf.softplus(lFake))) : tf.mean(tf.softplus(tf.neg(lFake)))) as tfTypes.Scalar;
            }, gList);
            const gradNorm = tf.sqrt(tf.addN(Object.values(g.grads).map((x) => tf.sum(tf.square(x)))));
            adam.apply(strip(g.grads), lr, t);
            const decay = Math.min(EMA_DECAY, (1 + t) / (10 + t));
            for (const p of GENERATOR_EMA_PARAMS) {
              const ema = variables[p.name];
              ema.assign(tf.add(tf.mul(ema, decay), tf.mul(variables[p.name.replace(/^g_ema\./, 'g.')], 1 - decay)));
            }
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
              // D as trained (normalised, u left as it is); the fakes from the sampling generator (the average).
              const dv = normalisedVars(tf, variables, spectrallyNormalised(tf, variables, false).vectors);
              const real = tf.sigmoid(discriminate(tf, dv, tf.tensor2d(x, [n, PIXELS])));
              const fake = tf.sigmoid(discriminate(tf, dv, generate(tf, samplingWeightsOf(variables), tf.tensor2d(codes, [n, GAN_LATENT_DIM]))));
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

function samplingWeightsOf(v: Vars): Vars {
  return Object.fromEntries(GENERATOR_PARAMS.map((p) => [p.name, v[p.name.replace(/^g\./, 'g_ema.')]]));
}

/** Distinguishes the tfjs variable names of sessions alive at once. */
let nextId = 0;

/**
 * Generate `count` digits from trained `weights` (all of {@link GAN_PARAMS}; the average generator
 * is used) with latent codes from `RandomState(seed)`: row-major [count, 784] pixels in [0,1].
 */
export async function sampleGan(tf: Tf, weights: Weights, count: number, seed: number): Promise<Float32Array> {
  const rng = new RandomState(seed);
  const codes = fillNormal(rng, new Float32Array(count * GAN_LATENT_DIM));
  const g = samplingWeights(weights);
  const out = tf.tidy(() => {
    const v: Vars = {};
    for (const { name, shape } of GENERATOR_PARAMS) v[name] = tf.tensor(g[name], [...shape]);
    return generate(tf, v, tf.tensor2d(codes, [count, GAN_LATENT_DIM]));
  });
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return data;
}
