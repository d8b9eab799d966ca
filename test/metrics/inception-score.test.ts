import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { featureMatrixFromNpy, readNpy } from '../../src/io/npy.js';
import {
  INCEPTION_SCORE_DEFAULTS, KEY_METRIC_ISC_MEAN, KEY_METRIC_ISC_STD, inceptionScore,
} from '../../src/metrics/inception-score.js';

const root = new URL('../../fixtures/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('is_kid/expected.json', root), 'utf8'));
const loadMatrix = (rel: string) => featureMatrixFromNpy(readNpy(readFileSync(new URL(rel, root)), rel), rel);

/**
 * Float64 softmax/log in a different summation order than torch's moves the score by ~1e-15
 * relative; 1e-9 (the fixture README's IS tolerance) still catches any formula or order mistake
 * (a float32 implementation is off by ~1e-7, the unshuffled score by 6e-3).
 */
const REL = 1e-9;
function expectRel(actual: number, want: number, rel = REL): void {
  if (want === 0) expect(Math.abs(actual)).toBeLessThanOrEqual(1e-15);
  else expect(Math.abs(actual - want) / Math.abs(want)).toBeLessThanOrEqual(rel);
}

describe('inceptionScore on synthetic logits (250×1008)', () => {
  const logits = loadMatrix('is_kid/is_logits.npy');
  for (const splits of [10, 1, 3]) {
    const ref = expected.inception_score_synthetic[`splits_${splits}`];

    it(`splits=${splits}: torch-fidelity default (shuffle, seed 2020)`, () => {
      const r = inceptionScore(logits, { splits });
      expectRel(r.mean, ref.torch_fidelity_default_shuffle[KEY_METRIC_ISC_MEAN].value);
      expectRel(r.std, ref.torch_fidelity_default_shuffle[KEY_METRIC_ISC_STD].value);
      expect(r).toMatchObject({ splits, shuffled: true, seed: 2020, count: 250 });
    });

    it(`splits=${splits}: no shuffle = OpenAI formula, per split`, () => {
      const r = inceptionScore(logits, { splits, shuffle: false });
      expectRel(r.mean, ref.torch_fidelity_no_shuffle[KEY_METRIC_ISC_MEAN].value);
      expectRel(r.std, ref.torch_fidelity_no_shuffle[KEY_METRIC_ISC_STD].value);
      expectRel(r.mean, ref.openai_formula_float64[KEY_METRIC_ISC_MEAN].value);
      const want: number[] = ref.openai_formula_float64.split_scores;
      expect(r.splitScores.length).toBe(want.length);
      want.forEach((w, i) => expectRel(r.splitScores[i], w));
      expect(r.seed).toBeNull();
    });
  }

  it('defaults are torch-fidelity\'s: splits 10, shuffle, seed 2020', () => {
    expect(INCEPTION_SCORE_DEFAULTS).toEqual({ splits: 10, shuffle: true, seed: 2020 });
    const r = inceptionScore(logits);
    expectRel(r.mean, expected.inception_score_synthetic.splits_10.torch_fidelity_default_shuffle[KEY_METRIC_ISC_MEAN].value);
  });

  it('a different seed changes the shuffled score (the seed is used)', () => {
    const a = inceptionScore(logits, { seed: 2020 }).mean;
    const b = inceptionScore(logits, { seed: 7 }).mean;
    expect(Math.abs(a - b)).toBeGreaterThan(1e-6);
  });

  it('float32 and float64 copies of the same logits give the same score', () => {
    const f64 = { data: Float64Array.from(logits.data), rows: logits.rows, cols: logits.cols };
    expect(inceptionScore(f64).mean).toBe(inceptionScore(logits).mean);
  });
});

describe('inceptionScore on the image-set logits (inception-fid/)', () => {
  const cases: Array<[string, string]> = [
    ['is_set_a_logits', 'inception-fid/set_a/logits.npy'],
    ['is_set_a_logits_unbiased', 'inception-fid/set_a/logits_unbiased.npy'],
    ['is_set_b_logits', 'inception-fid/set_b/logits.npy'],
    ['is_set_b_logits_unbiased', 'inception-fid/set_b/logits_unbiased.npy'],
  ];
  for (const [key, file] of cases) {
    for (const splits of [10, 1]) {
      it(`${key}, splits=${splits}, shuffled and not`, () => {
        const ref = expected.images_shared[key][`splits_${splits}`];
        const logits = loadMatrix(file);
        const shuffled = inceptionScore(logits, { splits });
        expectRel(shuffled.mean, ref.torch_fidelity_default_shuffle[KEY_METRIC_ISC_MEAN].value);
        expectRel(shuffled.std, ref.torch_fidelity_default_shuffle[KEY_METRIC_ISC_STD].value);
        const plain = inceptionScore(logits, { splits, shuffle: false });
        expectRel(plain.mean, ref.torch_fidelity_no_shuffle[KEY_METRIC_ISC_MEAN].value);
        // These scores are ≈ 1 with stds of ~1e-4 made of a few non-1 splits: the std carries
        // ~1e-12 relative noise from the two implementations' summation orders, so 1e-9 holds.
        expectRel(plain.std, ref.torch_fidelity_no_shuffle[KEY_METRIC_ISC_STD].value);
      });
    }
  }
});

describe('inceptionScore input errors', () => {
  const m = (rows: number, cols: number, fill = 0) => ({ data: new Float64Array(rows * cols).fill(fill), rows, cols });

  it('fewer samples than splits', () => {
    expect(() => inceptionScore(m(5, 3))).toThrow(InputError);
    expect(() => inceptionScore(m(5, 3))).toThrow('Inception Score: 5 samples cannot be cut into 10 splits (logits 5×3); use at least 10 samples or pass splits: 5 or fewer');
  });

  it('zero classes', () => {
    expect(() => inceptionScore(m(20, 0))).toThrow('Inception Score: logits have 0 classes (shape 20×0)');
  });

  it('non-finite logits name the position', () => {
    const x = m(20, 4);
    x.data[2 * 4 + 3] = Number.NaN;
    expect(() => inceptionScore(x)).toThrow('logits contain a non-finite value (NaN) at row 2, column 3 of 20×4');
    x.data[2 * 4 + 3] = Infinity;
    expect(() => inceptionScore(x)).toThrow(InputError);
  });

  it('splits must be a positive integer', () => {
    expect(() => inceptionScore(m(20, 4), { splits: 0 })).toThrow('splits must be a positive integer, got 0');
    expect(() => inceptionScore(m(20, 4), { splits: 2.5 })).toThrow(InputError);
  });

  it('uniform predictions score exactly 1; one confident class per split scores ≈ C', () => {
    expect(inceptionScore(m(20, 4)).mean).toBeCloseTo(1, 14);
    // Row r is confident in class r % 4; every split of 4 rows then covers the 4 classes evenly.
    const x = m(40, 4, -1000);
    for (let r = 0; r < 40; r++) x.data[r * 4 + (r % 4)] = 1000;
    expect(inceptionScore(x, { shuffle: false, splits: 10 }).mean).toBeCloseTo(4, 12);
  });
});
