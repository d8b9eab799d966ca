import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { featureMatrixFromNpy, readNpy } from '../../src/io/npy.js';
import { gram, rowSquaredNorms } from '../../src/linalg/gram.js';
import {
  jsGramBlock, knnSquaredRadii, knnSquaredRadiiSteps, runGramStepsAsync, squaredDistance, squaredDistanceErrorFactor,
} from '../../src/linalg/knn.js';
import type { FeatureMatrix } from '../../src/core/types.js';

const root = new URL('../../fixtures/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('prdc/expected.json', root), 'utf8'));
const loadMatrix = (rel: string) => featureMatrixFromNpy(readNpy(readFileSync(new URL(rel, root)), rel), rel);

describe('knnSquaredRadii against fixtures/prdc', () => {
  for (const name of ['c_tiny_d3', 'd_ties_dups_d2']) {
    it(`${name}: squared radii equal the integer radii of details (k = 3, 5), duplicates giving 0`, () => {
      const details = expected.cases[name].details;
      for (const [set, key] of [['real', 'real_radius_sq'], ['fake', 'fake_radius_sq']] as const) {
        const { squaredRadii } = knnSquaredRadii(loadMatrix(`prdc/${name}_${set}.npy`), [3, 5], { blockSize: 5 });
        expect(Array.from(squaredRadii[0])).toEqual(details.k3[key]);
        expect(Array.from(squaredRadii[1])).toEqual(details.k5[key]);
      }
    });
  }

  for (const name of ['a_gauss_d64', 'b_modedrop_d16']) {
    it(`${name}: radii of the first six rows match the float64 spot checks (relative 1e-13)`, () => {
      // Stored with 15 significant digits (≤ 5e-16 relative) from float64 NumPy distances; ours are
      // float64 sums in another order (~1e-16 relative).
      const spot = expected.cases[name].spot_checks;
      for (const [set, key] of [['real', 'real_radius_first6'], ['fake', 'fake_radius_first6']] as const) {
        const { squaredRadii } = knnSquaredRadii(loadMatrix(`prdc/${name}_${set}.npy`), [3, 5]);
        for (const [s, k] of [[0, 'k3'], [1, 'k5']] as const) {
          spot[k][key].forEach((want: number, i: number) => {
            expect(Math.abs(Math.sqrt(squaredRadii[s][i]) - want) / want).toBeLessThanOrEqual(1e-13);
          });
        }
      }
    });
  }
});

describe('squared distances', () => {
  it('the expansion stays within the stated bound of the direct sum, which the bound does not overstate by much', () => {
    // Offset data makes the expansion lose most digits: the bound must still hold pair by pair.
    let s = 7;
    const rand = () => ((s = (s * 48271) % 2147483647) / 2147483647);
    const rows = 40, cols = 300;
    const data = Float64Array.from({ length: rows * cols }, () => 1000 + rand());
    const m: FeatureMatrix = { data, rows, cols };
    const g = gram(m, m), n = rowSquaredNorms(m);
    const c = squaredDistanceErrorFactor(cols);
    let worst = 0;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < rows; j++) {
        const ratio = Math.abs(n[i] + n[j] - 2 * g[i * rows + j] - squaredDistance(data, i, data, j, cols)) / (n[i] + n[j]);
        worst = Math.max(worst, ratio / c);
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
    expect(worst).toBeGreaterThan(1e-4); // the check is not vacuous: real errors are visible
  });

  it('direct sums are symmetric and exactly 0 for duplicates', () => {
    const a = new Float32Array([0.1, 0.2, 0.3, 0.1, 0.2, 0.3, 1e-8, 5, 7]);
    expect(squaredDistance(a, 0, a, 1, 3)).toBe(0);
    expect(squaredDistance(a, 0, a, 2, 3)).toBe(squaredDistance(a, 2, a, 0, 3));
  });
});

describe('knnSquaredRadii', () => {
  it('an asynchronous Gram backend and any block size give the same radii', async () => {
    const m = loadMatrix('prdc/a_gauss_d64_real.npy');
    const sync = knnSquaredRadii(m, [3, 5]);
    const other = await runGramStepsAsync(knnSquaredRadiiSteps(m, [3, 5], { blockSize: 33 }), async (r) => jsGramBlock(r));
    expect(other.squaredRadii).toEqual(sync.squaredRadii);
  });

  it('rejects k outside [1, N−1]', () => {
    const m: FeatureMatrix = { data: new Float32Array(8), rows: 4, cols: 2 };
    expect(() => knnSquaredRadii(m, [4])).toThrow(new InputError('knn: k = 4 needs an integer in [1, 3] for 4 rows'));
    expect(() => knnSquaredRadii(m, [0])).toThrow(InputError);
  });
});
