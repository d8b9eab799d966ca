import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { initGanWeights } from '../../src/models/mnist/gan.js';
import { fillNormal } from '../../src/io/params.js';
import { loadTf, type Tf } from '../../src/models/mnist/tf.js';
import { initVaeWeights } from '../../src/models/mnist/vae.js';
import { parseMask, regionMse, visibilityMap } from '../../src/latent/masks.js';
import { createLatentModel, decodeCodes, type LatentModel } from '../../src/latent/models.js';
import { fitLatents } from '../../src/latent/optimize.js';
import { RandomState } from '../../src/random/random-state.js';

// Models made by the test (seeded initial weights: the bundled ones are still changing), and targets
// that ARE generator outputs G(z*), so the best possible MSE is 0 and is reached at a known z*.
let tf: Tf;
let gan: LatentModel;
let vae: LatentModel;
let tensorsBefore: number;

beforeAll(async () => {
  tf = await loadTf();
  tensorsBefore = tf.memory().numTensors;
  gan = createLatentModel(tf, 'mnist-gan', initGanWeights(1));
  vae = createLatentModel(tf, 'mnist-vae', initVaeWeights(1));
});
afterAll(() => {
  gan.dispose();
  vae.dispose();
  // Every tensor a fit made was freed, and the models' weights too.
  expect(tf.memory().numTensors).toBe(tensorsBefore);
});

const codes = (seed: number, count: number, model: LatentModel): Float32Array => fillNormal(new RandomState(seed), new Float32Array(count * model.latentDim));
const generated = (model: LatentModel, seed: number): Float32Array => decodeCodes(tf, model, codes(seed, 1, model), 1);

describe('fitLatents', () => {
  it('reconstruction lowers the MSE to a G(z*) target by a large factor in 100 steps (GAN and VAE)', () => {
    for (const model of [gan, vae]) {
      const target = generated(model, 42);
      const r = fitLatents(tf, model, { target, starts: codes(0, 3, model), steps: 100, learningRate: 0.1 });
      expect(r.startCount).toBe(3);
      expect(r.mseHistory.length).toBe(101 * 3);
      expect(r.initialMse).toEqual(r.mseHistory.slice(0, 3));
      expect(r.finalMse).toEqual(r.mseHistory.slice(300));
      for (let s = 0; s < 3; s++) {
        // Random starts are ~0.07–0.1 away; seen on the WASM backend: 5e-6 to 2e-5 after 100 steps
        // (a 3,600–19,000× fall). Asserted: a 100× fall and below 1e-3 (RMS error 0.03 ≈ 8/255).
        expect(r.initialMse[s]).toBeGreaterThan(0.03);
        expect(r.finalMse[s]).toBeLessThan(r.initialMse[s] / 100);
        expect(r.finalMse[s]).toBeLessThan(1e-3);
        // The reported MSE is that of the returned image.
        expect(regionMse(r.images.subarray(s * 784, (s + 1) * 784), target)).toBeCloseTo(r.finalMse[s], 7);
      }
      expect(r.finalMse[r.best]).toBe(Math.min(...r.finalMse));
    }
  });

  it('inpainting keeps the visible-pixel MSE under 1e-3 and never reads the hidden pixels', () => {
    const target = generated(gan, 7);
    const visible = visibilityMap(parseMask('bottom'), 28, 28);
    const options = { target, visible, starts: codes(3, 2, gan), steps: 100, learningRate: 0.1 };
    const r = fitLatents(tf, gan, options);
    for (let s = 0; s < 2; s++) {
      // The bound: the visible loss is 0 at z*, so a working fit must get close; 1e-3 (RMS 0.03 ≈ 8/255
      // per pixel, below what the eye sees on a digit) leaves a ~70× margin over the 1.4e-5 seen.
      expect(r.finalMse[s]).toBeLessThan(1e-3);
      expect(r.finalMse[s]).toBeLessThan(r.initialMse[s]);
      expect(regionMse(r.images.subarray(s * 784, (s + 1) * 784), target, visible)).toBeCloseTo(r.finalMse[s], 7);
    }
    // Scribbling over the hidden half changes nothing, bit for bit: those pixels have weight 0.
    const scribbled = target.map((v, i) => (visible[i] ? v : 1 - v));
    const again = fitLatents(tf, gan, { ...options, target: scribbled });
    expect(again.codes).toEqual(r.codes);
    expect(again.finalMse).toEqual(r.finalMse);
  });

  it('is deterministic, and fits starts independently (one batch = separate runs)', () => {
    const target = generated(vae, 11);
    const starts = codes(5, 3, vae);
    const a = fitLatents(tf, vae, { target, starts, steps: 30, learningRate: 0.05 });
    const b = fitLatents(tf, vae, { target, starts, steps: 30, learningRate: 0.05 });
    expect(b.codes).toEqual(a.codes);
    expect(b.mseHistory).toEqual(a.mseHistory);
    const d = vae.latentDim;
    const alone = fitLatents(tf, vae, { target, starts: starts.slice(d, 2 * d), steps: 30, learningRate: 0.05 });
    // Batched and single matrix products may round differently (float32): agreement to 1e-4 absolute in z.
    for (let i = 0; i < d; i++) expect(alone.codes[i]).toBeCloseTo(a.codes[d + i], 4);
    expect(alone.finalMse[0]).toBeCloseTo(a.finalMse[1], 6);
  });

  it('with a prior weight pulls the codes toward 0, and with 0 steps returns the starts', () => {
    const target = generated(gan, 13);
    const starts = codes(8, 2, gan);
    const free = fitLatents(tf, gan, { target, starts, steps: 40, learningRate: 0.1 });
    const prior = fitLatents(tf, gan, { target, starts, steps: 40, learningRate: 0.1, priorWeight: 0.05 });
    const sq = (z: Float32Array) => z.reduce((a, v) => a + v * v, 0);
    expect(sq(prior.codes)).toBeLessThan(sq(free.codes));
    const none = fitLatents(tf, gan, { target, starts, steps: 0, learningRate: 0.1 });
    expect(none.codes).toEqual(starts);
    expect(none.finalMse).toEqual(none.initialMse);
  });

  it('reports progress once per step, step 0 (the starts) to the last (final)', () => {
    const target = generated(gan, 1);
    const seen: number[] = [];
    const r = fitLatents(tf, gan, { target, starts: codes(0, 2, gan), steps: 5, learningRate: 0.1, onProgress: (e) => seen.push(e.step, e.total, e.mse.length) });
    expect(seen).toEqual([0, 5, 2, 1, 5, 2, 2, 5, 2, 3, 5, 2, 4, 5, 2, 5, 5, 2]);
    expect(r.mseHistory.length).toBe(12);
  });

  it('rejects sizes that do not match the model, and bad settings', () => {
    const target = generated(gan, 1);
    const starts = codes(0, 1, gan);
    expect(() => fitLatents(tf, gan, { target: new Float32Array(100), starts, steps: 1, learningRate: 0.1 })).toThrow('target has 100 pixels, mnist-gan makes 28×28 = 784');
    expect(() => fitLatents(tf, gan, { target, starts: new Float32Array(10), steps: 1, learningRate: 0.1 })).toThrow(`starting codes hold 10 values, not a positive multiple of the latent size ${gan.latentDim}`);
    expect(() => fitLatents(tf, gan, { target, starts, steps: 1, learningRate: 0 })).toThrow('learning rate must be a positive number, got 0');
    expect(() => fitLatents(tf, gan, { target, starts, steps: 1, learningRate: 0.1, priorWeight: -1 })).toThrow(InputError);
    expect(() => fitLatents(tf, gan, { target, starts, steps: 1, learningRate: 0.1, visible: new Uint8Array(784) })).toThrow('the mask hides every pixel: nothing to fit');
  });
});
