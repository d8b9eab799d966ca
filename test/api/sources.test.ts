import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { BUNDLED_MNIST_CLASSIFIER } from '../../src/features/mnist/index.js';
import { loadGenerator } from '../../src/models/load-generator.js';
import { sampleImages } from '../../src/generators/sample.js';
import { writeImagePngs } from '../../src/report/image-grid.js';
import { score } from '../../src/api/score.js';
import { formatGeneratorInput, parseGeneratorInput, parseMnistInput } from '../../src/api/sources.js';

describe('parseGeneratorInput', () => {
  it('reads every setting and fills the defaults', () => {
    expect(parseGeneratorInput('gen:mnist-gan')).toEqual({ generator: 'mnist-gan', count: 10_000, seed: 0, truncation: Infinity, mode: 'scale' });
    expect(parseGeneratorInput('gen:models/g.onnx?n=50&seed=3&truncation=0.7&mode=scale&layout=nchw&range=-1,1&latent-dim=8')).toEqual({
      generator: 'models/g.onnx', count: 50, seed: 3, truncation: 0.7, mode: 'scale', layout: 'nchw', range: '-1,1', latentDim: 8,
    });
    expect(parseGeneratorInput('gen:mnist-vae?truncation=none').truncation).toBe(Infinity);
    expect(parseGeneratorInput('gen:mnist-gan?model=runs/gan').model).toBe('runs/gan');
  });

  it('round-trips through its canonical spelling', () => {
    const spec = parseGeneratorInput('gen:mnist-gan?seed=2&n=7&truncation=1.5');
    expect(formatGeneratorInput(spec)).toBe('gen:mnist-gan?n=7&seed=2&truncation=1.5&mode=scale');
    expect(parseGeneratorInput(formatGeneratorInput(spec))).toEqual(spec);
  });

  it('refuses unknown settings and bad values, naming the valid ones', () => {
    expect(() => parseGeneratorInput('gen:mnist-gan?psi=0.5')).toThrow("unknown setting 'psi' in 'gen:mnist-gan?psi=0.5'; valid settings: n, seed, truncation, mode, layout, range, latent-dim, model");
    expect(() => parseGeneratorInput('gen:mnist-gan?n=0')).toThrow(UsageError);
    expect(() => parseGeneratorInput('gen:mnist-gan?n=1.5')).toThrow('n in');
    expect(() => parseGeneratorInput('gen:mnist-gan?mode=clip')).toThrow('must be one of resample, scale');
    expect(() => parseGeneratorInput('gen:mnist-gan?truncation=-1')).toThrow("truncation must be a positive number or 'none'");
    expect(() => parseGeneratorInput('gen:?n=5')).toThrow('names no generator');
  });
});

describe('parseMnistInput', () => {
  it('reads the split and an optional count', () => {
    expect(parseMnistInput('mnist:test')).toEqual({ split: 'test' });
    expect(parseMnistInput('mnist:train-10k?n=500')).toEqual({ split: 'train-10k', count: 500 });
    expect(() => parseMnistInput('mnist:validation')).toThrow("unknown MNIST set 'mnist:validation'; valid: mnist:train, mnist:test, mnist:train-10k");
    expect(() => parseMnistInput('mnist:test?n=0')).toThrow('positive integer');
    expect(() => parseMnistInput('mnist:test?seed=1')).toThrow("unknown setting 'seed'");
  });
});

describe('generated inputs of score', () => {
  it('give exactly the numbers of the PNG folder `sample` writes with the same settings', async () => {
    const count = 300;
    const generator = await loadGenerator('mnist-gan');
    const { images } = await sampleImages(generator, { count, truncation: 0.8, seed: 4 });
    await generator.dispose();
    const dir = mkdtempSync(join(tmpdir(), 'fidkit-gen-'));
    await writeImagePngs(dir, { data: images, count, height: 28, width: 28, channels: 1 });
    const options = { extractor: 'mnist', metrics: ['is', 'fid', 'prdc'] as const, cache: false, isSplits: 3 };
    const fromMemory = await score([`gen:mnist-gan?n=${count}&truncation=0.8&seed=4`, 'mnist:test?n=400'], { ...options, metrics: [...options.metrics] });
    const fromFiles = await score([dir, 'mnist:test?n=400'], { ...options, metrics: [...options.metrics] });
    expect(fromMemory.inputs[0]).toMatchObject({ kind: 'generated', count, dim: 128, extractor: 'mnist' });
    // The bundled digits are real data, not generated; a folder is images whatever it holds.
    expect(fromMemory.inputs[1]).toMatchObject({ kind: 'real', path: 'mnist:test?n=400', count: 400 });
    expect(fromFiles.inputs[0].kind).toBe('images');
    // The report names the classifier's weights: the bundled file (the hash of models/mnist-classifier/weights.bin).
    const bundled = createHash('sha256').update(readFileSync(join(BUNDLED_MNIST_CLASSIFIER, 'weights.bin'))).digest('hex');
    expect(fromMemory.extractors).toEqual({
      mnist: { weightsSha256: bundled, official: true, weights: join(BUNDLED_MNIST_CLASSIFIER, 'model.json'), source: 'bundled', protocol: 'mnist-luma', warnings: [] },
    });
    expect(fromMemory.inputs[1]).toMatchObject({ weightsSha256: bundled, officialWeights: true });
    expect(fromMemory.warnings).toEqual([]);
    expect(fromMemory.metrics.fid!.value).toBe(fromFiles.metrics.fid!.value);
    expect(fromMemory.metrics.is!.mean).toBe(fromFiles.metrics.is!.mean);
    expect(fromMemory.metrics.prdc!.counts).toEqual(fromFiles.metrics.prdc!.counts);
    expect(fromMemory.metrics.fid!.value).toBeGreaterThan(0);
  });

  it('serve the bundled MNIST digits: the test set scores the IS models/README.md states', async () => {
    const r = await score(['mnist:test'], { extractor: 'mnist', metrics: ['is'], cache: false });
    // models/README.md: 9.766 ± 0.037 (10 splits, shuffled with seed 2020), through the PNG folder route.
    expect(r.metrics.is!.mean).toBeCloseTo(9.7658, 3);
    expect(r.inputs[0].count).toBe(10_000);
  });
});
