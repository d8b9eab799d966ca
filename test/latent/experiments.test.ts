import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { fillNormal } from '../../src/io/params.js';
import { describeEndpoint, inpaint, interpolate, parseEndpoint, reconstruct } from '../../src/latent/experiments.js';
import { norm } from '../../src/latent/interpolate.js';
import { RandomState } from '../../src/random/random-state.js';

// These run the bundled models, which are still being retrained: the checks are structural (shapes,
// endpoints, determinism, bookkeeping), never their exact numbers.

describe('parseEndpoint', () => {
  it('reads seed:N, index:N, bare integers (seed for the GAN, index for the VAE) and files', () => {
    expect(parseEndpoint('seed:3', 'mnist-vae')).toEqual({ kind: 'seed', seed: 3 });
    expect(parseEndpoint('index:12', 'mnist-gan')).toEqual({ kind: 'index', index: 12 });
    expect(parseEndpoint('5', 'mnist-gan')).toEqual({ kind: 'seed', seed: 5 });
    expect(parseEndpoint('5', 'mnist-vae')).toEqual({ kind: 'index', index: 5 });
    expect(parseEndpoint('digits/7.png', 'mnist-vae')).toEqual({ kind: 'image', path: 'digits/7.png' });
    expect(() => parseEndpoint('seed:x', 'mnist-gan')).toThrow("endpoint 'seed:x': seed must be a non-negative integer");
    expect(describeEndpoint({ kind: 'index', index: 4 })).toBe('index:4');
  });
});

describe('interpolate', () => {
  it('GAN: decodes both paths between the codes of two seeds, endpoints shared, classified', async () => {
    const r = await interpolate({ generator: 'mnist-gan', from: { kind: 'seed', seed: 3 }, to: { kind: 'seed', seed: 4 }, frames: 5 });
    const d = r.latentDim;
    const za = fillNormal(new RandomState(3), new Float32Array(d));
    expect(r.from).toEqual({ endpoint: 'seed:3', code: 'z ~ N(0, I) from seed 3', norm: norm(za) });
    expect(r.frames.map((f) => f.t)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(r.frames[0].linear.norm).toBeCloseTo(norm(za), 12);
    expect(r.frames[4].spherical.norm).toBeCloseTo(r.to.norm, 12);
    // Two independent N(0, I) draws are nearly orthogonal, so the straight line's midpoint is shorter
    // than both endpoints, the spherical one is not (|cos Ω| < 0.5 for d = 64 with overwhelming odds).
    expect(Math.abs(r.cosine)).toBeLessThan(0.5);
    expect(r.frames[2].linear.norm).toBeLessThan(Math.min(r.from.norm, r.to.norm));
    expect(r.frames[2].spherical.norm).toBeGreaterThan(0.9 * Math.min(r.from.norm, r.to.norm));
    for (const f of r.frames) for (const p of [f.linear.prediction!, f.spherical.prediction!]) {
      expect(Number.isInteger(p.digit) && p.digit >= 0 && p.digit <= 9).toBe(true);
      expect(p.probability).toBeGreaterThan(0.1 - 1e-12); // the top of 10 classes
      expect(p.probability).toBeLessThanOrEqual(1);
    }
    // Row 1 linear, row 2 spherical: the endpoints' tiles are identical in both rows.
    expect(r.grid).toMatchObject({ count: 10, columns: 5, height: 28, width: 28, channels: 1 });
    const tile = (k: number) => Array.from(r.grid.data.subarray(k * 784, (k + 1) * 784));
    expect(tile(0)).toEqual(tile(5));
    expect(tile(4)).toEqual(tile(9));
    expect(tile(2)).not.toEqual(tile(7));
  });

  it('VAE: endpoints default to the encoder means of test digits 0 and 1; the GAN refuses digits', async () => {
    const r = await interpolate({ generator: 'mnist-vae', frames: 3, classify: false });
    expect(r.from).toMatchObject({ endpoint: 'index:0', code: 'encoder mean μ(x) of MNIST test #0', label: 7 });
    expect(r.to).toMatchObject({ endpoint: 'index:1', label: 2 });
    expect(r.frames[1].linear.prediction).toBeUndefined();
    expect(r.grid.count).toBe(6);
    await expect(interpolate({ generator: 'mnist-gan', from: { kind: 'index', index: 0 } })).rejects.toThrow(UsageError);
    await expect(interpolate({ generator: 'mnist-gan', from: { kind: 'index', index: 0 } })).rejects.toThrow(
      "endpoint index:0: the GAN has no encoder, so its endpoints are seeds (seed:N); use generator: 'mnist-vae' for digits, or `fidkit latent reconstruct` to fit a GAN code to a digit",
    );
  });
});

describe('reconstruct and inpaint', () => {
  const fit = { target: { kind: 'index', index: 3 } as const, starts: 3, steps: 25, classify: false };

  it('reconstruct: lowers the MSE from every start, same numbers for the same seed, encoder row for the VAE', async () => {
    const a = await reconstruct({ ...fit, generator: 'mnist-vae', seed: 4 });
    const b = await reconstruct({ ...fit, generator: 'mnist-vae', seed: 4 });
    expect(b.starts).toEqual(a.starts);
    expect(a.settings).toEqual({ starts: 3, steps: 25, learningRate: 0.05, seed: 4, priorWeight: 0 });
    expect(a.target).toEqual({ source: 'MNIST test #3', label: 0 });
    for (const s of a.starts) expect(s.finalMse).toBeLessThan(s.initialMse);
    expect(a.starts[a.best].finalMse).toBe(Math.min(...a.starts.map((s) => s.finalMse)));
    expect(a.encoder!.mse).toBeGreaterThan(0);
    // Tiles: target, encoder reconstruction, the three starts.
    expect(a.grid).toMatchObject({ count: 5, columns: 5 });
    const other = await reconstruct({ ...fit, generator: 'mnist-vae', seed: 5 });
    expect(other.starts[0].initialMse).not.toBe(a.starts[0].initialMse);
    const gan = await reconstruct({ ...fit, generator: 'mnist-gan', starts: 2 });
    expect(gan.encoder).toBeUndefined();
    expect(gan.grid.count).toBe(3);
  });

  it('inpaint: counts the mask, reports visible and hidden MSE, tiles original, masked, inpainted and every start', async () => {
    const r = await inpaint({ ...fit, generator: 'mnist-vae', mask: { kind: 'box', x: 0, y: 0, width: 28, height: 10 } });
    expect(r.mask).toBe('box:0,0,28,10');
    expect([r.hiddenPixels, r.visiblePixels]).toEqual([280, 504]);
    for (const s of r.starts) {
      expect(s.visibleMse).toBeLessThan(s.initialVisibleMse);
      expect(s.hiddenMse).toBeGreaterThanOrEqual(0);
    }
    expect(r.grid).toMatchObject({ count: 6, columns: 6 });
    const tile = (k: number) => r.grid.data.subarray(k * 784, (k + 1) * 784);
    // The masked tile: hidden rows mid-gray, visible rows the original's.
    expect(Array.from(tile(1).subarray(0, 280)).every((v) => v === 0.5)).toBe(true);
    expect(tile(1).subarray(280)).toEqual(tile(0).subarray(280));
    // The inpainted tile keeps the original's visible pixels and takes the best start's hidden ones.
    expect(tile(2).subarray(280)).toEqual(tile(0).subarray(280));
    expect(tile(2).subarray(0, 280)).toEqual(tile(3 + r.best).subarray(0, 280));
  });
});
