/**
 * @file Times the GAN (both phases) and VAE training steps on the tfjs backend `train` picks (the
 * numbers in models/README.md), and a pixel-space DCGAN's forward pass for comparison. Run from
 * the repository root:
 *
 *     node --import tsx scripts/generator-step-times.ts [STEPS]
 *
 * Steps 6..5+STEPS are timed on a fixed batch (the first compile kernels and allocate). The DCGAN
 * (G: dense → 7×7×128 → transposed conv 4×4/2 → 14×14×64 → transposed conv → 28×28×1; D: conv 4×4/2
 * 64 → 128 → dense) is timed forward only — the WASM backend has no filter-gradient kernels for a
 * backward pass — so its training step would cost at least ~3× the printed time.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { ganSpec } from '../src/models/mnist/gan.js';
import type { ModelSpec } from '../src/models/mnist/generative-train.js';
import { loadTf, type Tf } from '../src/models/mnist/tf.js';
import { vaeSpec } from '../src/models/mnist/vae.js';
import { RandomState } from '../src/random/random-state.js';

const steps = Number(process.argv[2] ?? 20);
const tf = await loadTf();
console.log(`backend: ${tf.getBackend()}`);

function timeStep(name: string, spec: ModelSpec): void {
  const session = spec.createSession(tf, spec.init(0));
  const batch = new Float32Array(spec.batchSize * 784);
  const rng = new RandomState(1);
  for (let i = 0; i < batch.length; i++) batch[i] = rng.randomSample();
  for (let i = 0; i < 5; i++) session.step(batch, new RandomState(i), 1e-4, i + 1);
  const t = performance.now();
  for (let i = 0; i < steps; i++) session.step(batch, new RandomState(i), 1e-4, i + 6);
  console.log(`${name}: ${((performance.now() - t) / steps / 1000).toFixed(3)} s/step (batch ${spec.batchSize})`);
  session.dispose();
}

function timeDcganForward(t: Tf): void {
  const B = 64;
  const r = (s: number[]) => t.randomNormal(s, 0, 0.05);
  const [gFc, gT1, gT2, d1, d2, dFc] = [r([64, 7 * 7 * 128]), r([4, 4, 64, 128]), r([4, 4, 1, 64]), r([4, 4, 1, 64]), r([4, 4, 64, 128]), r([7 * 7 * 128, 1])];
  const G = (z: tfTypes.Tensor2D) => {
    let h = t.reshape(t.relu(t.matMul(z, gFc as tfTypes.Tensor2D)), [B, 7, 7, 128]) as tfTypes.Tensor4D;
    h = t.relu(t.conv2dTranspose(h, gT1 as tfTypes.Tensor4D, [B, 14, 14, 64], 2, 'same'));
    return t.sigmoid(t.conv2dTranspose(h, gT2 as tfTypes.Tensor4D, [B, 28, 28, 1], 2, 'same')) as tfTypes.Tensor4D;
  };
  const D = (x: tfTypes.Tensor4D) => {
    let h = t.leakyRelu(t.conv2d(x, d1 as tfTypes.Tensor4D, 2, 'same'), 0.2) as tfTypes.Tensor4D;
    h = t.leakyRelu(t.conv2d(h, d2 as tfTypes.Tensor4D, 2, 'same'), 0.2) as tfTypes.Tensor4D;
    return t.matMul(t.reshape(h, [x.shape[0], 7 * 7 * 128]) as tfTypes.Tensor2D, dFc as tfTypes.Tensor2D);
  };
  const z = t.randomNormal([B, 64]) as tfTypes.Tensor2D;
  const x = t.randomUniform([B, 28, 28, 1]) as tfTypes.Tensor4D;
  // What one GAN step evaluates forward: G, D on real+fake (128), then G and D again (64).
  const once = () => t.tidy(() => t.add(t.sum(D(t.concat([x, G(z)], 0))), t.sum(D(G(z)))));
  for (let i = 0; i < 3; i++) once().dispose();
  const start = performance.now();
  for (let i = 0; i < 10; i++) {
    const o = once();
    o.dataSync();
    o.dispose();
  }
  console.log(`DCGAN forward passes of one step: ${((performance.now() - start) / 10 / 1000).toFixed(3)} s (batch ${B})`);
}

timeStep('latent GAN, autoencoder phase', ganSpec('non-saturating'));
timeStep('latent GAN, adversarial phase, non-saturating', ganSpec('non-saturating', 0));
timeStep('latent GAN, adversarial phase, saturating', ganSpec('saturating', 0));
timeStep('MLP VAE', vaeSpec());
timeDcganForward(tf);
