import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeNpy } from '../../src/io/npy.js';
import { writeNpz } from '../../src/io/npz.js';
import { FIXTURES, spawnCliAsync } from './run-cli.js';

// Bad statistics and features are refused with exit 1 and a message that starts with the file.
let tmp = '';
const P = (name: string) => join(tmp, name);
const F = (name: string) => join(FIXTURES, 'frechet', name);

function stats(mu: number[], sigma: number[]): Uint8Array {
  const d = mu.length;
  return writeNpz({ mu: { dtype: 'float64', shape: [d], data: Float64Array.from(mu) }, sigma: { dtype: 'float64', shape: [d, d], data: Float64Array.from(sigma) } });
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'fidkit-input-errors-'));
  // [[1, 1.5], [1.5, 1]]: positive variances, symmetric, eigenvalues 2.5 and −0.5.
  writeFileSync(P('indefinite.npz'), stats([0, 0], [1, 1.5, 1.5, 1]));
  writeFileSync(P('good.npz'), stats([1, 0], [2, 0.5, 0.5, 1]));
  writeFileSync(P('asymmetric.npz'), stats([0, 0], [1, 0.5, 0.2, 1]));
  writeFileSync(P('negative-variance.npz'), stats([0, 0], [1, 0, 0, -1]));
  const rows = new Float64Array(10 * 64);
  for (let i = 0; i < rows.length; i++) rows[i] = Math.sin(i * 0.7);
  rows[5 * 64 + 3] = NaN;
  writeFileSync(P('nan-row.npy'), writeNpy({ dtype: 'float64', shape: [10, 64], data: rows }));
  mkdirSync(P('one-image'));
  copyFileSync(join(FIXTURES, 'images', 'set_a', 'a01_mnist_28_gray.png'), join(P('one-image'), 'a.png'));
});

async function refused(argv: string[], message: string): Promise<void> {
  const r = await spawnCliAsync(...argv);
  expect(r.stdout).toBe('');
  expect(r.stderr).toContain(message);
  expect(r.stderr).not.toContain('this is a bug');
  expect(r.code).toBe(1);
}

describe('input errors name the file', () => {
  it('an indefinite sigma (positive variances, eigenvalue −0.5) is refused in either argument order', async () => {
    const msg = `${P('indefinite.npz')}: sigma is not a covariance matrix: it has a negative eigenvalue -0.5000 (-2.00e-1 of its largest, 2.500)`;
    await refused(['score', P('indefinite.npz'), P('good.npz')], msg);
    await refused(['score', P('good.npz'), P('indefinite.npz')], msg);
  });

  it('a non-symmetric sigma', async () => {
    await refused(['score', P('good.npz'), P('asymmetric.npz')], `${P('asymmetric.npz')}: sigma is not symmetric: [1, 0] = 0.2 but [0, 1] = 0.5`);
  });

  it('a negative variance', async () => {
    await refused(['score', P('negative-variance.npz'), P('good.npz')], `${P('negative-variance.npz')}: sigma has a negative variance -1 at [1, 1]`);
  });

  it('a NaN in row 5 of a feature file, in score and in stats', async () => {
    const msg = `${P('nan-row.npy')}: non-finite value NaN in row 5 (feature 3)`;
    await refused(['score', P('nan-row.npy'), F('d64_set1_features.npy')], msg);
    await refused(['stats', P('nan-row.npy'), '-o', P('out.npz')], msg);
    await refused(['score', F('d64_set1_features.npy'), P('nan-row.npy'), '--metrics', 'kid'], `${P('nan-row.npy')}: KID: second feature set has a non-finite value (NaN) at row 5, column 3`);
    await refused(['score', P('nan-row.npy'), '--metrics', 'is', '--is-splits', '1'], `${P('nan-row.npy')}: logits contain a non-finite value (NaN) at row 5, column 3`);
    await refused(['score', P('nan-row.npy'), F('d64_set1_features.npy'), '--metrics', 'pr'], `${P('nan-row.npy')}: precision/recall: generated features (10×64) hold NaN at row 5, column 3`);
  });

  it('sweep with a reference folder too small for precision/recall', async () => {
    await refused(
      ['sweep', '--generator', 'mnist-gan', '-n', '10', '--truncation', '1', '--reference', P('one-image'), '--real', 'none', '--compare', 'none', '--extractor', 'mnist', '--no-cache'],
      `fidkit: ${P('one-image')}: the reference has 1 samples; precision/recall with k = 5 needs at least 6`,
    );
  });

  it('stats of a folder of one image', async () => {
    await refused(
      ['stats', P('one-image'), '-o', P('one.npz'), '--weights', 'test:hash', '--no-cache'],
      `${P('one-image')}: a covariance needs at least 2 samples, got 1; FID statistics need 2 or more images`,
    );
  });
});
