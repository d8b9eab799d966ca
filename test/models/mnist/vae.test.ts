import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { trainModel } from '../../../src/models/mnist/generative-train.js';
import { loadMnist } from '../../../src/models/mnist/mnist-data.js';
import { paramCount, type Weights } from '../../../src/io/params.js';
import { loadTf } from '../../../src/models/mnist/tf.js';
import { initVaeWeights, sampleVae, vaeSpec, VAE_PARAMS } from '../../../src/models/mnist/vae.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'fidkit-vae-'));

describe('VAE', () => {
  it('has the documented size', () => {
    expect(paramCount(VAE_PARAMS)).toBe(648_016);
  });

  it('evaluates the ELBO terms of the formulas: zero weights give q = N(0, I) and p(x|z) = Bernoulli(½)', async () => {
    // μ = log σ² = 0 → KL = 0; logits 0 → −log p(x|z) = Σ_pixels [−x ln ½ − (1−x) ln ½] = 784 ln 2;
    // squared error = mean (½ − x)², computed here in float64 (float32 sums: 1e-4 relative).
    const tf = await loadTf();
    const zeros: Weights = Object.fromEntries(VAE_PARAMS.map((p) => [p.name, new Float32Array(p.shape.reduce((a, b) => a * b, 1))]));
    const session = vaeSpec().createSession(tf, zeros);
    const test = await loadMnist('test');
    const m = await session.evaluate(test, 200, 0);
    session.dispose();
    let se = 0;
    for (let i = 0; i < 200 * 784; i++) se += (0.5 - test.images[i] / 255) ** 2;
    expect(m.testKl).toBeCloseTo(0, 6);
    expect(m.testReconstructionNats / (784 * Math.LN2) - 1).toBeCloseTo(0, 4);
    expect(m.testElbo).toBeCloseTo(-m.testReconstructionNats, 6);
    expect(m.testReconstructionMse / (se / (200 * 784)) - 1).toBeCloseTo(0, 4);
  });

  it('is seeded and resumable: 2 steps + resume to 3 gives the same weights, bit for bit, as 3 steps', async () => {
    const straight = tmp();
    const split = tmp();
    const full = await trainModel(vaeSpec(), { steps: 3, seed: 5, outDir: straight, testCount: 100 });
    await trainModel(vaeSpec(), { steps: 2, seed: 5, outDir: split, testCount: 100 });
    const resumed = await trainModel(vaeSpec(), { steps: 3, seed: 5, outDir: split, resume: true, testCount: 100 });
    expect(readFileSync(join(split, 'weights.bin')).equals(readFileSync(join(straight, 'weights.bin')))).toBe(true);
    expect(resumed.history).toEqual(full.history);
    // loss = reconstruction + KL per step (float32: 1e-5 relative); all finite and the ELBO negative.
    full.history.loss.forEach((l, i) => expect(l / (full.history.reconstruction[i] + full.history.kl[i]) - 1).toBeCloseTo(0, 5));
    expect(Object.values(full.metrics).every(Number.isFinite)).toBe(true);
    expect(full.metrics.testElbo).toBeLessThan(0);
    expect(full.metrics.testElbo).toBeCloseTo(-(full.metrics.testReconstructionNats + full.metrics.testKl), 3);
    const model = JSON.parse(readFileSync(join(straight, 'model.json'), 'utf8'));
    expect(model.format).toBe('fidkit.mnist-vae/1');
    expect(model.latentDim).toBe(16);
    expect(model.training).toMatchObject({ steps: 3, seed: 5, batchSize: 64 });
  });

  it('samples digits in [0,1] reproducibly', async () => {
    const tf = await loadTf();
    const w = initVaeWeights(0);
    const a = await sampleVae(tf, w, 4, 3);
    expect(a).toHaveLength(4 * 784);
    expect(a.every((x) => x >= 0 && x <= 1)).toBe(true);
    expect(await sampleVae(tf, w, 4, 3)).toEqual(a);
  });
});
