import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { BUNDLED_MNIST_CLASSIFIER_SHA256 } from '../../src/features/mnist/index.js';
import { score } from '../../src/api/score.js';
import { sweep } from '../../src/api/sweep.js';
import { runCli } from '../cli/run-cli.js';
import { makeTinyGenerator } from '../generators/tiny-onnx-generator.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'fidkit-sweep-'));

describe('sweep', () => {
  it('scores each ψ exactly as `score gen:…` does, plus the real and compared rows', async () => {
    const report = await sweep({
      generator: 'mnist-gan', truncations: [0.5, Infinity], count: 200, seed: 3, reference: 'mnist:test?n=500',
      real: 'mnist:train-10k?n=200', compare: ['mnist-vae'], extractor: 'mnist', batchSize: 100, cache: false,
    });
    expect(report.schema).toBe('fidkit.sweep/1');
    expect(report.rows.map((r) => [r.label, r.kind, r.truncation, r.count])).toEqual([
      ['ψ = 0.5', 'truncation', 0.5, 200],
      ['ψ = none', 'truncation', null, 200],
      ['real (mnist:train-10k?n=200)', 'real', null, 200],
      ['mnist-vae', 'generator', null, 200],
    ]);
    // An n= written in the reference is kept (it counts as --reference-n).
    expect(report.reference).toEqual({ input: 'mnist:test?n=500', given: 'mnist:test?n=500', kind: 'real', count: 500, available: 10_000 });
    // The sweep records the classifier's weights as score does: the bundled file, official.
    expect(report.extractors).toEqual({ mnist: report.rows[0].report.extractors.mnist });
    expect(report.extractors.mnist).toMatchObject({ weightsSha256: BUNDLED_MNIST_CLASSIFIER_SHA256, official: true, source: 'bundled', warnings: [] });
    // On the classifier's features the fid column is not the Inception FID: it is named FD_MNIST.
    expect(report.fdName).toBe('FD_MNIST');
    expect(report.rows[0].report.metrics.fid!.name).toBe('FD_MNIST');
    for (const r of report.rows) {
      for (const v of [r.is!.mean, r.fid!, r.precision!, r.recall!, r.density!, r.coverage!]) expect(Number.isFinite(v)).toBe(true);
    }
    // Row ψ = 0.5 is the `score` of the same generated input against the same reference, bit for bit.
    const single = await score(['gen:mnist-gan?n=200&seed=3&truncation=0.5&mode=scale', 'mnist:test?n=500'], {
      extractor: 'mnist', metrics: ['is', 'fid', 'prdc'], seed: 3, cache: false,
    });
    expect(report.rows[0].fid).toBe(single.metrics.fid!.value);
    expect(report.rows[0].is!.mean).toBe(single.metrics.is!.mean);
    expect(report.rows[0].report.metrics.prdc!.counts).toEqual(single.metrics.prdc!.counts);
    // Real digits against real digits: far closer than any generated set.
    expect(report.rows[2].fid!).toBeLessThan(Math.min(report.rows[0].fid!, report.rows[1].fid!, report.rows[3].fid!));
  });

  it('sweeps a user ONNX generator against a .npy-free statistics reference (FID and IS only, with a warning)', async () => {
    const dir = tmp();
    const model = join(dir, 'g.onnx');
    writeFileSync(model, makeTinyGenerator({ shape: [1, 28, 28], latentDim: 8, final: 'Sigmoid' }).bytes);
    const stats = join(dir, 'ref.npz');
    const made = await runCli('stats', 'mnist:test?n=300', '--extractor', 'mnist', '-o', stats, '--no-cache');
    expect(made.code, made.stderr).toBe(0);
    const warnings: string[] = [];
    const report = await sweep({
      generator: model, truncations: [1, Infinity], mode: 'scale', count: 150, reference: stats, extractor: 'mnist', cache: false,
      onWarning: (w) => warnings.push(w),
    });
    expect(report.rows).toHaveLength(2);
    expect(report.rows[0].fid).toBeGreaterThan(0);
    expect(report.rows[0].precision).toBeNull();
    expect(warnings.some((w) => w.includes('holds FID statistics only'))).toBe(true);
    // ψ = 1 in scale mode leaves z unchanged: the same images as no truncation.
    expect(report.rows[0].fid).toBe(report.rows[1].fid);
  });
});

describe('the bundled GAN under truncation', () => {
  it('trades recall for precision around ψ = 1 (scale mode: z·ψ)', async () => {
    const report = await sweep({
      generator: 'mnist-gan', truncations: [0.5, 1, 2], count: 1000, seed: 1, reference: 'mnist:test?n=2000', extractor: 'mnist', batchSize: 500, cache: false,
    });
    expect(report.mode).toBe('scale');
    const [half, one, two] = report.rows;
    // Shrinking codes toward the prior's centre loses diversity; spreading them (ψ = 2) leaves the
    // data manifold (bundled model, seed 1: recall 0.48 / 0.70 / 0.70, precision 0.97 / 0.96 / 0.89).
    expect(half.recall!).toBeLessThan(one.recall! - 0.1);
    expect(one.precision!).toBeGreaterThan(two.precision! + 0.03);
    expect(half.precision!).toBeGreaterThan(two.precision! + 0.03);
  });
});

describe('fidkit sweep', () => {
  it('prints the table, writes the JSON rows and a PNG plot', async () => {
    const dir = tmp();
    const plot = join(dir, 'sweep.png');
    const r = await runCli('sweep', '-n', '120', '--truncation', '0.5,none', '--reference', 'mnist:test?n=300', '--compare', 'none', '--no-cache', '--plot', plot, '--json', '-q');
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.schema).toBe('fidkit.sweep/1');
    expect(json.extractor).toBe('mnist');
    expect(json.rows.map((x: { truncation: number | null }) => x.truncation)).toEqual([0.5, null, null]);
    expect(json.rows[2].input).toBe('mnist:train-10k?n=120');
    expect(json.plot).toBe(plot);
    const meta = await sharp(readFileSync(plot)).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 1400, 560]);

    const table = await runCli('sweep', '-n', '120', '--truncation', '0.5', '--reference', 'mnist-test', '--real', 'none', '--compare', 'none', '--no-cache', '-q');
    expect(table.code, table.stderr).toBe(0);
    // The reference takes the sets' n (issue 15): the first 120 test digits, not all 10,000.
    expect(table.stdout).toMatch(/truncation sweep of mnist-gan \(scale\) against mnist:test\?n=120 \(120 samples\), extractor mnist, k = 5/);
    expect(table.stdout).toMatch(/\nmnist-gan\s+0\.5\s+120\s+\d/);
  });

  it('explains what is missing', async () => {
    const r = await runCli('sweep', '--generator', 'x.onnx');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--reference is required for an ONNX generator');
    const bad = await runCli('sweep', '--truncation', '0.5,-1');
    expect(bad.code).toBe(2);
    // The flag comes from the options schema, which words its errors like sharp's.
    expect(bad.stderr).toContain("Expected a comma-separated list of thresholds ψ > 0 or 'none' for --truncation but received '0.5,-1'.");
  });
});
