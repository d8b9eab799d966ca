/** The API checks its callers' option values against the options schema, in the library's wording. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportFeatures } from '../../src/api/export-features.js';
import { score } from '../../src/api/score.js';

const NPY = join(__dirname, '..', '..', 'fixtures', 'prdc', 'a_gauss_d64_fake.npy');

describe('API option values', () => {
  it('score() refuses a value of the wrong type before reading anything, naming the option key', async () => {
    await expect(score([NPY, NPY], { metrics: ['kid'], kidSubsets: 0 })).rejects.toThrow('score(): kidSubsets: expected an integer ≥ 1 but received 0');
    await expect(score([NPY], { metrics: ['is'], isSplits: 2.5 })).rejects.toThrow('score(): isSplits: expected an integer ≥ 1 but received 2.5');
    await expect(score([NPY, NPY], { fidSingular: 'nearest' as never })).rejects.toThrow("score(): fidSingular: expected one of exact, pytorch-fid but received 'nearest'");
  });

  it('exportFeatures() does the same', async () => {
    await expect(exportFeatures('mnist:test?n=4', { extractor: 'mnist', batchSize: 0 })).rejects.toThrow('exportFeatures(): batchSize: expected an integer ≥ 1 but received 0');
  });
});
