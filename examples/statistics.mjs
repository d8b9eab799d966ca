// examples/statistics.mjs: streaming statistics, .npz files, the Fréchet distance (node examples/statistics.mjs)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { frechetDistance, loadInput, Moments, momentsFromFeatures, readStatisticsFile, writeStatisticsFile } from 'fidkit';

// Per-sample features (N×128, row-major Float32Array) of real and generated digits.
const needs = { features: true, moments: false, logits: false };
const real = await loadInput('mnist:test?n=2000', needs, { extractor: 'mnist' });
const fake = await loadInput('gen:mnist-gan?n=2000&seed=1', needs, { extractor: 'mnist' });

// Mean and covariance in float64, fed batch by batch: a batch is { data: Float32Array, rows, cols }.
const { data, rows, cols } = real.features;
const moments = new Moments(cols);
for (let start = 0; start < rows; start += 500) {
  const end = Math.min(rows, start + 500);
  moments.add({ data: data.subarray(start * cols, end * cols), rows: end - start, cols });
}

// Statistics files in pytorch-fid's --save-stats layout (mu, sigma), written and read back.
const dir = mkdtempSync(join(tmpdir(), 'fidkit-example-'));
await writeStatisticsFile(join(dir, 'real.npz'), moments.statistics());
await writeStatisticsFile(join(dir, 'fake.npz'), momentsFromFeatures(fake.features));
const a = await readStatisticsFile(join(dir, 'fake.npz'));
const b = await readStatisticsFile(join(dir, 'real.npz'));
console.log(`mu [${a.stats.mu.length}], sigma [${a.stats.mu.length}, ${a.stats.mu.length}], float64`);
console.log(`FID ${frechetDistance(a.stats, b.stats).value.toFixed(3)}`);
