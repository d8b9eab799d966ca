/**
 * @file The GAN recipe experiments behind `src/models/mnist/gan.ts` (not part of fidkit): trains an MLP
 * (or a small conv, ARCH=conv) GAN variant for STEPS steps and every EVAL steps prints the Inception
 * Score of 5,000 samples under the bundled classifier, for the raw generator and its weight average,
 * with H(y) and E[H(y|x)], and writes 100 average-generator samples to /work/exp/NAME-STEP.png.
 *
 *     NAME=C SN=1 LOSS=hinge STEPS=30000 EVAL=2000 node --import tsx scripts/gan-experiment.ts
 *
 * Settings (environment): GH/DH hidden widths (256,512 / 512,256), DROP (D dropout), EMA (0.999),
 * B (64), LR / LRD (2e-4), Z (64), SN=1 (spectral norm in D), LOSS=ns|hinge, GSTEPS (G steps per D
 * step), ARCH=mlp|conv (GC/GC2/DC/DC2 channels), SEED.
 * Measured on the 2-core machine (busy), IS of the EMA generator: plain NS 3.53 / 4.77 / 4.70 at
 * 2k / 4k / 6k steps; + D dropout 0.3: 3.86 at 2k; SN + hinge: 4.34 / 5.44 at 2k / 4k; ARCH=conv
 * took > 0.27 CPU-s/step (vs ~0.08) and was stopped before its first evaluation.
 */
import { readClassifierModel } from '../src/features/mnist/weights.js';
import { BUNDLED_MNIST_CLASSIFIER } from '../src/features/mnist/index.js';
import { createClassifierNet, validConv3x3 } from '../src/models/mnist/classifier.js';
import { createAdam, createVariables } from '../src/models/mnist/adam.js';
import { dense, type Vars } from '../src/models/mnist/matmul.js';
import { loadMnist } from '../src/models/mnist/mnist-data.js';
import { fillNormal, initDense, type ParamTable } from '../src/io/params.js';
import { loadTf } from '../src/models/mnist/tf.js';
import { EpochOrder, writeDigit } from '../src/models/mnist/train.js';
import { RandomState } from '../src/random/random-state.js';
import { inceptionScore } from '../src/metrics/inception-score.js';
import type * as T from '@tensorflow/tfjs';

const env = process.env;
const GH = (env.GH ?? '256,512').split(',').map(Number);
const DH = (env.DH ?? '512,256').split(',').map(Number);
const DROP = Number(env.DROP ?? 0);
const EMA = Number(env.EMA ?? 0.999);
const B = Number(env.B ?? 64);
const LR = Number(env.LR ?? 2e-4);
const LRD = Number(env.LRD ?? LR);
const STEPS = Number(env.STEPS ?? 10000);
const EVAL = Number(env.EVAL ?? 2000);
const Z = Number(env.Z ?? 64);
const SEED = Number(env.SEED ?? 0);
const SN = env.SN === '1';
const LOSS = env.LOSS ?? 'ns';
const NAME = env.NAME ?? 'x';
const GSTEPS = Number(env.GSTEPS ?? 1);
const P = 784;
const layers = (pre: string, dims: number[]): ParamTable => dims.slice(1).flatMap((o, i) => [{ name: `${pre}.fc${i + 1}.weight`, shape: [dims[i], o] }, { name: `${pre}.fc${i + 1}.bias`, shape: [o] }]);
const ARCH = env.ARCH ?? 'mlp';
const GC = Number(env.GC ?? 64), GC2 = Number(env.GC2 ?? 32), DC = Number(env.DC ?? 32), DC2 = Number(env.DC2 ?? 64);
const GP: ParamTable = ARCH === 'conv' ? [
  { name: 'g.fc1.weight', shape: [Z, 49 * GC] }, { name: 'g.fc1.bias', shape: [49 * GC] },
  { name: 'g.conv1.weight', shape: [3, 3, GC, GC2] }, { name: 'g.conv1.bias', shape: [GC2] },
  { name: 'g.conv2.weight', shape: [3, 3, GC2, 1] }, { name: 'g.conv2.bias', shape: [1] },
] : layers('g', [Z, ...GH, P]);
const DP: ParamTable = ARCH === 'conv' ? [
  { name: 'd.conv1.weight', shape: [3, 3, 1, DC] }, { name: 'd.conv1.bias', shape: [DC] },
  { name: 'd.conv2.weight', shape: [3, 3, DC, DC2] }, { name: 'd.conv2.bias', shape: [DC2] },
  { name: 'd.fc1.weight', shape: [49 * DC2, 1] }, { name: 'd.fc1.bias', shape: [1] },
] : layers('d', [P, ...DH, 1]);
const ALL = [...GP, ...DP];
const tf = await loadTf();
const w = initDense(ALL, new RandomState(SEED));
const vars = createVariables(tf, ALL, w, 'x/');
const ema: Record<string, T.Variable> = {};
for (const p of GP) ema[p.name] = tf.variable(tf.tensor(w[p.name], [...p.shape]), false);
const adam = createAdam(tf, ALL, vars, { beta1: 0.5, beta2: 0.999, epsilon: 1e-7 });
const us: Record<string, T.Variable> = {};
for (let i = 1; SN && i <= DH.length + 1; i++) {
  const out = DP.find((p) => p.name === `d.fc${i}.weight`)!.shape[1];
  us[i] = tf.variable(tf.randomNormal([out, 1], 0, 1, 'float32', 7 + i), false);
}
/** Spectral normalisation: returns the constants 1/sigma per layer (outside the tape), updating u. */
function snScales(): Record<string, T.Tensor> {
  const out: Record<string, T.Tensor> = {};
  for (let i = 1; i <= DH.length + 1; i++) {
    const W = vars[`d.fc${i}.weight`];
    const r = tf.tidy(() => {
      const v = tf.matMul(W, us[i]);
      const vn = tf.div(v, tf.add(tf.norm(v), 1e-12));
      const u = tf.matMul(tf.transpose(W), vn);
      const un = tf.div(u, tf.add(tf.norm(u), 1e-12));
      us[i].assign(un);
      return [vn, un];
    });
    out[i] = r[0]; out[`u${i}`] = r[1];
  }
  return out;
}
function dVars(sc: Record<string, T.Tensor> | undefined): Vars {
  if (!sc) return vars;
  const v: Vars = { ...vars };
  for (let i = 1; i <= DH.length + 1; i++) {
    const W = vars[`d.fc${i}.weight`];
    const sigma = tf.sum(tf.mul(sc[i], tf.matMul(W, sc[`u${i}`])));
    v[`d.fc${i}.weight`] = tf.div(W, sigma);
  }
  return v;
}
const conv = validConv3x3(tf, true);
const pad1 = (x: T.Tensor4D) => tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]) as T.Tensor4D;
const up2 = (x: T.Tensor4D) => {
  const [b, h, w, c] = x.shape;
  return tf.reshape(tf.mul(tf.reshape(x, [b, h, 1, w, 1, c]), tf.ones([1, 1, 2, 1, 2, 1])), [b, 2 * h, 2 * w, c]) as T.Tensor4D;
};
const convGen = (v: Vars, z: T.Tensor2D) => {
  const b = z.shape[0];
  let h = tf.reshape(tf.relu(dense(tf, v, 'g.fc1', z)), [b, 7, 7, GC]) as T.Tensor4D;
  h = tf.relu(tf.add(conv(pad1(up2(h)), v['g.conv1.weight'] as T.Tensor4D), v['g.conv1.bias'])) as T.Tensor4D;
  h = tf.add(conv(pad1(up2(h)), v['g.conv2.weight'] as T.Tensor4D), v['g.conv2.bias']) as T.Tensor4D;
  return tf.reshape(tf.sigmoid(h), [b, P]) as T.Tensor2D;
};
const convDisc = (v: Vars, x: T.Tensor2D) => {
  const b = x.shape[0];
  let h = tf.reshape(x, [b, 28, 28, 1]) as T.Tensor4D;
  h = tf.maxPool(tf.leakyRelu(tf.add(conv(pad1(h), v['d.conv1.weight'] as T.Tensor4D), v['d.conv1.bias']), 0.2) as T.Tensor4D, 2, 2, 'valid');
  h = tf.maxPool(tf.leakyRelu(tf.add(conv(pad1(h), v['d.conv2.weight'] as T.Tensor4D), v['d.conv2.bias']), 0.2) as T.Tensor4D, 2, 2, 'valid');
  return tf.reshape(dense(tf, v, 'd.fc1', tf.reshape(h, [b, 49 * DC2]) as T.Tensor2D), [-1]) as T.Tensor1D;
};
const gen = (v: Vars, z: T.Tensor2D) => {
  if (ARCH === 'conv') return convGen(v, z);
  let h = z;
  for (let i = 1; i <= GH.length; i++) h = tf.leakyRelu(dense(tf, v, `g.fc${i}`, h), 0.2) as T.Tensor2D;
  return tf.sigmoid(dense(tf, v, `g.fc${GH.length + 1}`, h)) as T.Tensor2D;
};
let dseed = 1;
const disc = (v: Vars, x: T.Tensor2D, train: boolean) => {
  if (ARCH === 'conv') return convDisc(v, x);
  let h = x;
  for (let i = 1; i <= DH.length; i++) {
    h = tf.leakyRelu(dense(tf, v, `d.fc${i}`, h), 0.2) as T.Tensor2D;
    if (train && DROP > 0) h = tf.dropout(h, DROP, undefined, dseed++) as T.Tensor2D;
  }
  return tf.reshape(dense(tf, v, `d.fc${DH.length + 1}`, h), [-1]) as T.Tensor1D;
};
const strip = (g: Record<string, T.Tensor>) => Object.fromEntries(Object.entries(g).map(([k, x]) => [k.slice(2), x]));
const gList = GP.map((p) => vars[p.name]);
const dList = DP.map((p) => vars[p.name]);
const train = await loadMnist('train');
const order = new EpochOrder(SEED, train.count, B);
const input = new Float32Array(B * P);
const zb = new Float32Array(B * Z);
const net = createClassifierNet(tf, (await readClassifierModel(BUNDLED_MNIST_CLASSIFIER)).weights);
function score(v: Vars): number {
  const n = 5000;
  const codes = fillNormal(new RandomState(123), new Float32Array(n * Z));
  const logits = new Float32Array(n * 10);
  for (let s = 0; s < n; s += 500) {
    const out = tf.tidy(() => net.forward(tf.reshape(gen(v, tf.tensor2d(codes.subarray(s * Z, (s + 500) * Z), [500, Z])), [500, 28, 28, 1]) as T.Tensor4D).logits);
    logits.set(out.dataSync(), s * 10);
    out.dispose();
  }
  // H(y) and E H(y|x) over all n
  const py = new Float64Array(10); let hc = 0;
  for (let i = 0; i < n; i++) {
    let m = -Infinity; for (let c = 0; c < 10; c++) m = Math.max(m, logits[i * 10 + c]);
    let z = 0; const p = new Float64Array(10);
    for (let c = 0; c < 10; c++) { p[c] = Math.exp(logits[i * 10 + c] - m); z += p[c]; }
    for (let c = 0; c < 10; c++) { p[c] /= z; py[c] += p[c] / n; if (p[c] > 0) hc -= p[c] * Math.log(p[c]) / n; }
  }
  let hy = 0; for (const q of py) if (q > 0) hy -= q * Math.log(q);
  lastDiag = `H(y) ${hy.toFixed(3)} E[H(y|x)] ${hc.toFixed(3)}`;
  return inceptionScore({ data: logits, rows: n, cols: 10 }).mean;
}
let lastDiag = '';
async function dump(v: Vars, file: string) {
  const sharp = (await import('sharp')).default;
  const codes = fillNormal(new RandomState(5), new Float32Array(100 * Z));
  const px = tf.tidy(() => gen(v, tf.tensor2d(codes, [100, Z]))).dataSync();
  const img = new Uint8Array(280 * 280);
  for (let k = 0; k < 100; k++) for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) img[((Math.floor(k / 10) * 28 + y) * 280) + (k % 10) * 28 + x] = Math.round(px[k * 784 + y * 28 + x] * 255);
  await sharp(img, { raw: { width: 280, height: 280, channels: 1 } }).png().toFile(file);
}
const t0 = performance.now();
let acc = [0, 0];
for (let step = 0; step < STEPS; step++) {
  for (let i = 0; i < B; i++) writeDigit(train, order.index(step, i), input, i);
  const noise = new RandomState(step * 7 + 1 + SEED * 100003);
  const r = tf.tidy(() => {
    const real = tf.tensor2d(input, [B, P]);
    const zD = tf.tensor2d(fillNormal(noise, zb), [B, Z]);
    const sc = SN ? snScales() : undefined;
    const fakeD = gen(vars, zD);
    const d = tf.variableGrads(() => {
      const l = disc(dVars(sc), tf.concat([real, fakeD], 0) as T.Tensor2D, true);
      const [a, b] = tf.split(l, 2);
      if (LOSS === 'hinge') return tf.add(tf.mean(tf.relu(tf.sub(1, a))), tf.mean(tf.relu(tf.add(1, b)))) as T.Scalar;
      return tf.add(tf.mean(tf.softplus(tf.neg(a))), tf.mean(tf.softplus(b))) as T.Scalar;
    }, dList);
    adam.apply(strip(d.grads), LRD, step + 1);
    const zG = tf.tensor2d(fillNormal(noise, zb), [B, Z]);
    const sc2 = SN ? snScales() : undefined;
    let g!: { value: T.Scalar; grads: Record<string, T.Tensor> };
    for (let k = 0; k < GSTEPS; k++) {
      const zz = k === 0 ? zG : tf.tensor2d(fillNormal(noise, zb), [B, Z]);
      g = tf.variableGrads(() => {
        const l = disc(dVars(sc2), gen(vars, zz), true);
        return (LOSS === 'hinge' ? tf.neg(tf.mean(l)) : tf.mean(tf.softplus(tf.neg(l)))) as T.Scalar;
      }, gList);
      adam.apply(strip(g.grads), LR, step + 1);
    }
    const beta = Math.min(EMA, (1 + step) / (10 + step));
    for (const p of GP) ema[p.name].assign(tf.add(tf.mul(ema[p.name], beta), tf.mul(vars[p.name], 1 - beta)));
    return [g.value.dataSync()[0], d.value.dataSync()[0]];
  });
  acc[0] += r[0]; acc[1] += r[1];
  if ((step + 1) % EVAL === 0) {
    const sr = score(vars); const dr = lastDiag; const se = score(ema);
    console.log(`step ${step + 1} ${((performance.now() - t0) / 1000).toFixed(0)}s g ${(acc[0] / EVAL).toFixed(3)} d ${(acc[1] / EVAL).toFixed(3)} IS raw ${sr.toFixed(3)} (${dr}) ema ${se.toFixed(3)} (${lastDiag})`);
    await dump(ema, `/work/exp/${NAME}-${step + 1}.png`);
    acc = [0, 0];
  }
}
