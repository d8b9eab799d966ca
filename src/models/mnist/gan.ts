/**
 * @file The MNIST GAN in TensorFlow.js: a latent GAN (Achlioptas et al. 2018's "l-GAN"; Goodfellow
 * et al. 2014's game, played in an autoencoder's code space). Training has two phases in one run:
 *
 * 1. steps 1 … A (`--ae-steps`, default 5,000): an autoencoder learns 16-d codes of the digits
 *    (encoder `ae.enc`: 784 → 512 → 16; decoder `g.dec`: 16 → 512 → 784 → sigmoid; ReLU; Bernoulli
 *    reconstruction loss, Adam lr 1e-3), then is frozen;
 * 2. steps A+1 …: the GAN on codes. G maps z (64, standard normal) → 256 → 256 → 16 (`g.fc*`,
 *    LeakyReLU 0.2, linear output) and the frozen decoder turns the code into pixels; D judges codes,
 *    16 → 256 → 256 → 1 (`d.fc*`, LeakyReLU 0.2), real ones being the encoder's codes of training
 *    digits, with every weight matrix spectrally normalised (Miyato et al. 2018: W/σ(W), one power
 *    iteration per D evaluation, u kept between steps as `d.fcK.u`). Sampling uses an exponential
 *    moving average of G's mapping (`g_ema.*`, decay min(0.999, (1+t)/(10+t)), Yazıcı et al. 2019).
 *
 * Why not a pixel-space GAN (measured, models/README.md): MLP GANs whose D sees 784 pixels reached an
 * Inception Score (bundled classifier, 5,000 samples) of 4.7 (plain), 5.4 (+ SN, hinge) and 5.5
 * (+ SN, non-saturating, EMA) after 4–5k steps and were still under 6 at 10–18k steps, ~0.9 IS per
 * doubling of steps (hours to IS 9 here); a small DCGAN cost > 3× the step time on the WASM backend
 * (which lacks convolution filter gradients). In code space the game is 16-d: a step costs a few ms
 * and every sample is a decoder image, whose quality the autoencoder's reconstructions bound.
 *
 * Losses, with l = D's logit and σ the sigmoid, using log σ(l) = −softplus(−l) and
 * log(1 − σ(l)) = −softplus(l) so nothing overflows:
 *   D:                   mean softplus(−l_real) + mean softplus(l_fake)
 *   G, non-saturating:   mean softplus(−l_fake)        (= −log D(G(z)))
 *   G, saturating:       −mean softplus(l_fake)        (= log(1 − D(G(z))), minimised)
 * The saturating loss's gradient vanishes when D confidently rejects the fakes (σ(l_fake) → 0), which
 * is what the recorded generator gradient norm shows early in training.
 * Optimiser of the GAN phase: Adam, lr 1e-3, β1 0.5, β2 0.999, ε 1e-7 (Radford et al. 2016's betas;
 * their lr 2e-4 reached the same IS 3.7× slower here: 8.32 after 24,000 GAN steps against 8.31 after
 * 6,500), its step count restarting at the phase, one D step then one G step per batch of 64, each on
 * fresh codes.
 * Per step the run records the autoencoder's loss (phase 1) or the D and G losses and G's gradient
 * norm (phase 2); the other entries are NaN (null in model.json).
 */
import { optionName, optionRef } from '../../options/mention.js';
import { DEFAULTS, type GanLoss } from '../../options/schema.js';
import type * as tfTypes from '@tensorflow/tfjs';
import { RandomState } from '../../random/random-state.js';
import { UsageError } from '../../core/errors.js';
import { createAdam, createVariables, type AdamHyper } from './adam.js';
import type { ModelSpec } from './generative-train.js';
import { dense, type Vars } from './matmul.js';
import { MNIST_SIZE } from './mnist-data.js';
import { fillNormal, initDense, type ParamTable, type Weights } from '../../io/params.js';
import type { Tf } from './tf.js';

/** The generator losses: the options schema's vocabulary. */
export { GAN_LOSSES, type GanLoss } from '../../options/schema.js';
export const GAN_FORMAT = 'fidkit.mnist-gan/2';
/** Dimension of the generator's latent code z. */
export const GAN_LATENT_DIM = 64;
/** Dimension of the autoencoder's codes, the space the GAN plays in. */
export const GAN_CODE_DIM = 16;
export const GAN_BATCH_SIZE = 64;
/** Autoencoder steps before the GAN phase (`--ae-steps`; the options schema's default). */
export const DEFAULT_AE_STEPS = DEFAULTS.aeSteps;
const PIXELS = MNIST_SIZE * MNIST_SIZE;
const LR = 1e-3;
const AE_LR = 1e-3;
const ADAM: AdamHyper = { beta1: 0.5, beta2: 0.999, epsilon: 1e-7 };
const AE_ADAM: AdamHyper = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
/** LeakyReLU slope of G's mapping and of D (the ONNX export uses it too). */
export const LEAK = 0.2;
/** Decay of the generator's weight average. */
const EMA_DECAY = 0.999;

const dense2 = (name: string, rows: number, cols: number): ParamTable => [
  { name: `${name}.weight`, shape: [rows, cols] },
  { name: `${name}.bias`, shape: [cols] },
];
/** G's mapping z → code. */
const MAPPING_PARAMS: ParamTable = [...dense2('g.fc1', GAN_LATENT_DIM, 256), ...dense2('g.fc2', 256, 256), ...dense2('g.fc3', 256, GAN_CODE_DIM)];
/** The autoencoder's decoder code → pixels (trained in phase 1, then part of G, frozen). */
const DECODER_PARAMS: ParamTable = [...dense2('g.dec.fc1', GAN_CODE_DIM, 512), ...dense2('g.dec.fc2', 512, PIXELS)];
/** The generator: mapping, then decoder. */
export const GENERATOR_PARAMS: ParamTable = [...MAPPING_PARAMS, ...DECODER_PARAMS];
/** The autoencoder's encoder (training only: real codes). */
export const ENCODER_PARAMS: ParamTable = [...dense2('ae.enc.fc1', PIXELS, 512), ...dense2('ae.enc.fc2', 512, GAN_CODE_DIM)];
export const DISCRIMINATOR_PARAMS: ParamTable = [...dense2('d.fc1', GAN_CODE_DIM, 256), ...dense2('d.fc2', 256, 256), ...dense2('d.fc3', 256, 1)];
/** Power-iteration vectors of D's spectral normalisation (one per weight matrix, its output width). */
export const SPECTRAL_PARAMS: ParamTable = DISCRIMINATOR_PARAMS.filter((p) => p.name.endsWith('.weight')).map((p) => ({ name: p.name.replace('.weight', '.u'), shape: [p.shape[1]] }));
/** The moving average of G's mapping: what sampling uses. */
export const GENERATOR_EMA_PARAMS: ParamTable = MAPPING_PARAMS.map((p) => ({ name: p.name.replace(/^g\./, 'g_ema.'), shape: p.shape }));
/** What the optimisers update. */
const TRAINED_PARAMS: ParamTable = [...GENERATOR_PARAMS, ...ENCODER_PARAMS, ...DISCRIMINATOR_PARAMS];
/** File order: the generator, the encoder, the discriminator, the SN vectors, the mapping's average. */
export const GAN_PARAMS: ParamTable = [...TRAINED_PARAMS, ...SPECTRAL_PARAMS, ...GENERATOR_EMA_PARAMS];

/**
 * Seeded weights from `RandomState(seed)`: He-uniform weights (zero biases) in table order, then
 * unit-norm normal SN vectors; the average starts equal to G's mapping.
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

/** The sampling generator of trained weights: the mapping's moving average and the decoder, under G's names (what {@link generate} reads). */
export function samplingWeights(weights: Weights): Weights {
  return Object.fromEntries(GENERATOR_PARAMS.map((p) => [p.name, weights[p.name.replace(/^g\.fc/, 'g_ema.fc')]]));
}

/** The autoencoder's decoder: [B, 16] codes → [B, 784] logits. Call inside `tf.tidy`. */
function decodeLogits(tf: Tf, v: Vars, code: tfTypes.Tensor2D): tfTypes.Tensor2D {
  return dense(tf, v, 'g.dec.fc2', tf.relu(dense(tf, v, 'g.dec.fc1', code)) as tfTypes.Tensor2D);
}

/** The autoencoder's encoder: [B, 784] pixels in [0,1] → [B, 16] codes. Call inside `tf.tidy`. */
export function encodeCodes(tf: Tf, v: Vars, x: tfTypes.Tensor2D): tfTypes.Tensor2D {
  return dense(tf, v, 'ae.enc.fc2', tf.relu(dense(tf, v, 'ae.enc.fc1', x)) as tfTypes.Tensor2D);
}

/** G's mapping: [B, 64] latent codes → [B, 16] autoencoder codes. Call inside `tf.tidy`. */
export function mapLatents(tf: Tf, v: Vars, z: tfTypes.Tensor2D): tfTypes.Tensor2D {
  let h = tf.leakyRelu(dense(tf, v, 'g.fc1', z), LEAK) as tfTypes.Tensor2D;
  h = tf.leakyRelu(dense(tf, v, 'g.fc2', h), LEAK) as tfTypes.Tensor2D;
  return dense(tf, v, 'g.fc3', h);
}

/** Generator: [B, 64] latent codes → mapping → decoder → [B, 784] pixels in [0,1]. Call inside `tf.tidy`. */
export function generate(tf: Tf, v: Vars, z: tfTypes.Tensor2D): tfTypes.Tensor2D {
  return tf.sigmoid(decodeLogits(tf, v, mapLatents(tf, v, z))) as tfTypes.Tensor2D;
}

/**
 * One power iteration per D weight matrix W [in,out] on the stored u [out]: v = W·u/‖W·u‖,
 * u ← Wᵀ·v/‖Wᵀ·v‖ (stored unless `update` is false). Returns the (v, u) pair of each matrix, which
 * {@link normalisedVars} turns into W/σ with σ = vᵀ·W·u; run outside the gradient tape, so u and v
 * are constants and only σ's dependence on W is differentiated (as in Miyato et al.). Call inside `tf.tidy`.
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

/** Discriminator: [B, 16] codes → [B] logits of "real" (pass spectrally normalised weights). Call inside `tf.tidy`. */
export function discriminate(tf: Tf, v: Vars, code: tfTypes.Tensor2D): tfTypes.Tensor1D {
  let h = tf.leakyRelu(dense(tf, v, 'd.fc1', code), LEAK) as tfTypes.Tensor2D;
  h = tf.leakyRelu(dense(tf, v, 'd.fc2', h), LEAK) as tfTypes.Tensor2D;
  return tf.reshape(dense(tf, v, 'd.fc3', h), [-1]) as tfTypes.Tensor1D;
}

/** The GAN's training description for {@link trainModel}: the autoencoder for `aeSteps` steps, then the GAN. */
export function ganSpec(loss: GanLoss = DEFAULTS.loss, aeSteps = DEFAULT_AE_STEPS): ModelSpec {
  if (!Number.isInteger(aeSteps) || aeSteps < 0) throw new UsageError(`${optionName('aeSteps')} must be an integer ≥ 0, got ${aeSteps}`);
  return {
    model: 'gan',
    format: GAN_FORMAT,
    params: GAN_PARAMS,
    optimised: TRAINED_PARAMS,
    batchSize: GAN_BATCH_SIZE,
    recorded: ['gLoss', 'dLoss', 'gGradNorm', 'aeLoss'],
    options: { loss, 'ae-steps': String(aeSteps) },
    learningRate: (step) => (step < aeSteps ? AE_LR : LR),
    init: initGanWeights,
    command: (steps, seed) => `fidkit train gan --loss ${loss} --ae-steps ${aeSteps} --steps ${steps} --seed ${seed}`,
    warnings: (steps) => [
      ...(aeSteps === 0
        ? [`${optionRef('aeSteps', 0)}: the autoencoder phase gets no step, so the frozen decoder keeps its random initial weights and every sample is noise; keep the default (${DEFAULTS.aeSteps}) unless you are testing`]
        : []),
      ...(steps <= aeSteps
        ? [
            `${optionRef('ganSteps', steps)} ≤ ${optionRef('aeSteps', aeSteps)}: the GAN phase gets no step (steps 1…${aeSteps} train the autoencoder), so the generator keeps its random initial weights; ` +
              `pass ${optionName('ganSteps')} above ${aeSteps} (the bundled model trained 100000), a smaller ${optionName('aeSteps')}, or continue this run later with ${optionRef('resume')} and more steps`,
          ]
        : []),
    ],
    describe: () => ({
      architecture:
        'latent GAN; autoencoder (phase 1): encoder 784 -> 512 -> 16, decoder 16 -> 512 -> 784 sigmoid (ReLU), Bernoulli loss; ' +
        'GAN (phase 2) on the 16-d codes: G z 64 -> 256 -> 256 -> 16 -> frozen decoder; D 16 -> 256 -> 256 -> 1 logit, spectrally normalised; LeakyReLU 0.2; sampling uses the EMA of the mapping (g_ema.*)',
      latentDim: GAN_LATENT_DIM,
      codeDim: GAN_CODE_DIM,
      latent: 'standard normal',
      output: '28x28 grayscale in [0,1] (row-major, white digit on black)',
      optimizer:
        `autoencoder: Adam(lr ${AE_LR}, beta1 ${AE_ADAM.beta1}, beta2 ${AE_ADAM.beta2}) for ${aeSteps} steps; ` +
        `GAN: Adam(lr ${LR}, beta1 ${ADAM.beta1}, beta2 ${ADAM.beta2}, eps ${ADAM.epsilon}), one D step then one G step per batch; G EMA decay min(${EMA_DECAY}, (1+t)/(10+t))`,
    }),
    createSession(tf, weights, moments) {
      const prefix = `gan${nextId++}/`;
      const variables = createVariables(tf, GAN_PARAMS, weights, prefix);
      // Two optimisers over disjoint parameters share one moments store (the checkpoint's).
      const aeTable = [...DECODER_PARAMS, ...ENCODER_PARAMS];
      const ganTable = [...MAPPING_PARAMS, ...DISCRIMINATOR_PARAMS];
      const pick = (table: ParamTable, w?: Weights) => w && Object.fromEntries(table.map((p) => [p.name, w[p.name]]));
      const aeAdam = createAdam(tf, aeTable, variables, AE_ADAM, moments && { m: pick(aeTable, moments.m)!, v: pick(aeTable, moments.v)! });
      const ganAdam = createAdam(tf, ganTable, variables, ADAM, moments && { m: pick(ganTable, moments.m)!, v: pick(ganTable, moments.v)! });
      const aeList = aeTable.map((p) => variables[p.name]);
      const gList = MAPPING_PARAMS.map((p) => variables[p.name]);
      const dList = DISCRIMINATOR_PARAMS.map((p) => variables[p.name]);
      const strip = (grads: Record<string, tfTypes.Tensor>) => Object.fromEntries(Object.entries(grads).map(([k, g]) => [k.slice(prefix.length), g]));
      const z = new Float32Array(GAN_BATCH_SIZE * GAN_LATENT_DIM);
      return {
        step(batch, noise, lr, t) {
          return tf.tidy(() => {
            const real = tf.tensor2d(batch, [GAN_BATCH_SIZE, PIXELS]);
            if (t <= aeSteps) {
              // Phase 1: Bernoulli reconstruction loss, summed over pixels, mean over the batch (nats per digit).
              const ae = tf.variableGrads(() => {
                const logits = decodeLogits(tf, variables, encodeCodes(tf, variables, real));
                return tf.div(tf.sum(tf.sub(tf.softplus(logits), tf.mul(real, logits))), GAN_BATCH_SIZE) as tfTypes.Scalar;
              }, aeList);
              aeAdam.apply(strip(ae.grads), lr, t);
              return [NaN, NaN, NaN, ae.value.dataSync()[0]];
            }
            const tGan = t - aeSteps; // Adam's bias correction and the EMA warm-up restart with the phase
            // Discriminator step on the codes of real digits and a batch of fakes (G held fixed).
            const realCodes = encodeCodes(tf, variables, real);
            const zD = tf.tensor2d(fillNormal(noise, z), [GAN_BATCH_SIZE, GAN_LATENT_DIM]);
            const fake = mapLatents(tf, variables, zD);
            const snD = spectrallyNormalised(tf, variables);
            const d = tf.variableGrads(() => {
              const logits = discriminate(tf, normalisedVars(tf, variables, snD.vectors), tf.concat([realCodes, fake], 0) as tfTypes.Tensor2D);
              const [lReal, lFake] = tf.split(logits, 2);
              return tf.add(tf.mean(tf.softplus(tf.neg(lReal))), tf.mean(tf.softplus(lFake))) as tfTypes.Scalar;
            }, dList);
            ganAdam.apply(strip(d.grads), lr, tGan);
            // Generator step on fresh codes, against the updated discriminator.
            const zG = tf.tensor2d(fillNormal(noise, z), [GAN_BATCH_SIZE, GAN_LATENT_DIM]);
            const snG = spectrallyNormalised(tf, variables);
            const g = tf.variableGrads(() => {
              const lFake = discriminate(tf, normalisedVars(tf, variables, snG.vectors), mapLatents(tf, variables, zG));
              return (loss === 'saturating' ? tf.neg(tf.mean(tf.softplus(lFake))) : tf.mean(tf.softplus(tf.neg(lFake)))) as tfTypes.Scalar;
            }, gList);
            const gradNorm = tf.sqrt(tf.addN(Object.values(g.grads).map((x) => tf.sum(tf.square(x)))));
            ganAdam.apply(strip(g.grads), lr, tGan);
            const decay = Math.min(EMA_DECAY, (1 + tGan) / (10 + tGan));
            for (const p of GENERATOR_EMA_PARAMS) {
              const ema = variables[p.name];
              ema.assign(tf.add(tf.mul(ema, decay), tf.mul(variables[p.name.replace(/^g_ema\./, 'g.')], 1 - decay)));
            }
            const [gLoss, dLoss, norm] = [g.value, d.value, gradNorm].map((x) => x.dataSync()[0]);
            return [gLoss, dLoss, norm, NaN];
          });
        },
        async read() {
          const out: Weights = {};
          for (const { name } of GAN_PARAMS) out[name] = (await variables[name].data()) as Float32Array;
          const [a, b] = [await aeAdam.read(), await ganAdam.read()];
          return { weights: out, m: { ...a.m, ...b.m }, v: { ...a.v, ...b.v } };
        },
        async evaluate(test, count, seed) {
          // The autoencoder's reconstruction error on test digits; D's mean probability of "real" on
          // their codes and on as many generated codes (from the average mapping).
          const rng = new RandomState(seed);
          const chunk = 500;
          let pReal = 0;
          let pFake = 0;
          let squared = 0;
          for (let start = 0; start < count; start += chunk) {
            const n = Math.min(chunk, count - start);
            const x = new Float32Array(n * PIXELS);
            for (let i = 0; i < n * PIXELS; i++) x[i] = test.images[start * PIXELS + i] / 255;
            const codes = fillNormal(rng, new Float32Array(n * GAN_LATENT_DIM));
            const [a, b, c] = tf.tidy(() => {
              const xs = tf.tensor2d(x, [n, PIXELS]);
              const realCodes = encodeCodes(tf, variables, xs);
              const dv = normalisedVars(tf, variables, spectrallyNormalised(tf, variables, false).vectors);
              const real = tf.sigmoid(discriminate(tf, dv, realCodes));
              const fake = tf.sigmoid(discriminate(tf, dv, mapLatents(tf, samplingWeightsOf(variables), tf.tensor2d(codes, [n, GAN_LATENT_DIM]))));
              const err = tf.sum(tf.square(tf.sub(tf.sigmoid(decodeLogits(tf, variables, realCodes)), xs)));
              return [tf.sum(real), tf.sum(fake), err];
            });
            pReal += a.dataSync()[0];
            pFake += b.dataSync()[0];
            squared += c.dataSync()[0];
            for (const t of [a, b, c]) t.dispose();
          }
          return { testReconstructionMse: squared / (count * PIXELS), testDRealProbability: pReal / count, fakeDRealProbability: pFake / count };
        },
        dispose() {
          aeAdam.dispose();
          ganAdam.dispose();
          for (const v of Object.values(variables)) v.dispose();
        },
      };
    },
  };
}

function samplingWeightsOf(v: Vars): Vars {
  return Object.fromEntries(GENERATOR_PARAMS.map((p) => [p.name, v[p.name.replace(/^g\.fc/, 'g_ema.fc')]]));
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
